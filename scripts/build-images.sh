#!/usr/bin/env bash
# Build voxray's two images: the runtime (CPU variant: Ray's CPU base, EXTRAS=runtime) and the operator.
#
#   scripts/build-images.sh            (make images)
#
# Environment:
#   IMAGE_PREFIX   where the images are named (default localhost/voxray: a local name, never pushed by
#                  accident); RUNTIME_IMAGE / OPERATOR_IMAGE override the full names.
#   BASES          auto (default): each real base image (rayproject/ray, python, node) if it is present or
#                  can be pulled, else its local stand-in from scripts/standin-bases.sh;
#                  real: the real bases or fail; standin: the stand-ins.
#   VOXRAY_ENGINE  docker or podman (default: Docker where its daemon answers, else podman).
#
# Docker builds with BuildKit; podman with --format docker (OCI drops SHELL) and the host network. Both
# keep the layer cache: a rebuild after a source change takes seconds, not the llama.cpp compile.
set -euo pipefail

# shellcheck source=scripts/container-engine.sh
source "$(dirname "${BASH_SOURCE[0]}")/container-engine.sh"
cd "$VOXRAY_REPO_ROOT"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
# the commit's time, not the clock's: the same commit labels the same, and the label layer stays cached
created="$(git log -1 --format=%cI 2>/dev/null || echo unknown)"
prefix="${IMAGE_PREFIX:-localhost/voxray}"
runtime_image="${RUNTIME_IMAGE:-${prefix}/voxray-runtime:${version}-cpu}"
operator_image="${OPERATOR_IMAGE:-${prefix}/voxray-operator:${version}}"
bases="${BASES:-auto}"
nice_cmd=(nice -n "${VOXRAY_BUILD_NICE:-10}")

arg_default() { # FILE ARG -> the default of `ARG NAME=...` in FILE
  sed -n "s/^ARG $2=\(.*\)$/\1/p" "$1" | head -n 1
}
ray_real="$(arg_default Dockerfile.runtime RAY_IMAGE | sed -E 's/-(cu[0-9]+|gpu)$/-cpu/')"
node_real="$(arg_default Dockerfile.runtime NODE_IMAGE)"
python_real="$(arg_default Dockerfile.operator PYTHON_IMAGE)"
declare -A standin=(
  [ray]="localhost/voxray-standin/ray:2.60.0-py311-cpu"
  [node]="localhost/voxray-standin/node:22-slim"
  [python]="localhost/voxray-standin/python:3.11-slim-bookworm"
)
declare -A real=([ray]="$ray_real" [node]="$node_real" [python]="$python_real")

qualified() { # podman resolves no short names without a registries.conf search list: name Docker Hub
  local name="$1"
  if [[ "$ENGINE" == podman && "${name%%/*}" != *.* && "${name%%/*}" != localhost ]]; then
    [[ "$name" == */* ]] && echo "docker.io/$name" || echo "docker.io/library/$name"
  else
    echo "$name"
  fi
}

have_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

resolve_base() { # KEY -> the image to build FROM
  local key="$1" name
  name="$(qualified "${real[$key]}")"
  if [[ "$bases" != standin ]]; then
    if have_image "$name" || timeout 600 "$ENGINE" pull -q "$name" >/dev/null 2>&1; then
      echo "$name"
      return
    fi
    [[ "$bases" == real ]] && engine_die "BASES=real but $name can neither be found nor pulled"
    echo "images: $name cannot be pulled here: using the stand-in ${standin[$key]} (docs/operations.md#stand-in-bases)" >&2
  fi
  if ! have_image "${standin[$key]}"; then
    echo "images: building the stand-in bases (scripts/standin-bases.sh)" >&2
    bash scripts/standin-bases.sh >&2
  fi
  echo "${standin[$key]}"
}

ray_base="$(resolve_base ray)"
node_base="$(resolve_base node)"
python_base="$(resolve_base python)"
meta=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")
if [[ "$ENGINE" == podman ]]; then
  # buildah 1.28 reuses a cached LABEL layer even when the build args in it changed (the stale revision
  # and date would stay): set the three labels on the final image as well, which it always applies
  meta+=(--label "org.opencontainers.image.version=$version" --label "org.opencontainers.image.revision=$revision"
    --label "org.opencontainers.image.created=$created")
fi

build() { # NAME TAG ARGS...
  local name="$1" tag="$2" started=$SECONDS
  shift 2
  echo "== images: $tag ($ENGINE)"
  timeout "${VOXRAY_BUILD_TIMEOUT:-3600}" "${nice_cmd[@]}" "${BUILD[@]}" "${meta[@]}" "$@" -t "$tag" . \
    || engine_die "building $tag failed (exit $?)"
  echo "== images: $name built in $((SECONDS - started)) s"
}

build operator "$operator_image" -f Dockerfile.operator --build-arg "PYTHON_IMAGE=$python_base"
build runtime "$runtime_image" -f Dockerfile.runtime --build-arg "RAY_IMAGE=$ray_base" \
  --build-arg "NODE_IMAGE=$node_base" --build-arg EXTRAS=runtime

for tag in "$operator_image" "$runtime_image"; do
  size="$("$ENGINE" image inspect --format '{{.Size}}' "$tag")"
  printf '== images: %s  %s MB  (%s)\n' "$tag" "$((size / 1000000))" "$("$ENGINE" image inspect --format '{{.Id}}' "$tag" | cut -c1-19)"
done
for tag in "$operator_image" "$runtime_image"; do
  labelled="$("$ENGINE" image inspect --format '{{index .Labels "org.opencontainers.image.revision"}}' "$tag")"
  [[ "$labelled" == "$revision" ]] || engine_die "$tag is labelled with revision $labelled, not $revision"
done
echo "== images: bases: runtime FROM $ray_base, voices FROM $node_base, operator FROM $python_base"
