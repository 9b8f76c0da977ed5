#!/usr/bin/env bash
# Build local stand-ins for the base images of voxray's Dockerfiles where the real ones cannot be pulled
# (CI without a registry, air-gapped hosts), from Debian's archive with debootstrap:
#
#   localhost/voxray-standin/debian:bookworm          Debian 12 minbase (debootstrap), the root of the others
#   localhost/voxray-standin/ray:2.60.0-py311-cpu     for rayproject/ray:2.60.0-py311-cpu   (scripts/standin/ray.Containerfile)
#   localhost/voxray-standin/python:3.11-slim-bookworm for python:3.11-slim-bookworm       (scripts/standin/python.Containerfile)
#   localhost/voxray-standin/node:22-slim              for node:22-slim                     (scripts/standin/node.Containerfile)
#
#   scripts/standin-bases.sh [--force]     (root: debootstrap needs it; idempotent, existing images are kept)
#
# Each Containerfile's header says how its stand-in differs from the real base. The "localhost/" registry
# name means a push can never reach a public registry. This host's locally added CA certificates
# (/usr/local/share/ca-certificates) are added to the stand-ins' trust store so that pip and npm reach
# their registries through the same network the host uses; the real bases are never changed.
set -euo pipefail

readonly PREFIX="localhost/voxray-standin"
readonly DEBIAN_IMAGE="${PREFIX}/debian:bookworm"
readonly MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force=0
[[ "${1:-}" == --force ]] && force=1

# shellcheck source=scripts/container-engine.sh
source "$(dirname "${BASH_SOURCE[0]}")/container-engine.sh"
here="${VOXRAY_REPO_ROOT}/scripts/standin"
nice_cmd=(nice -n "${VOXRAY_BUILD_NICE:-10}")

have_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

build_debian() {
  if ((force == 0)) && have_image "$DEBIAN_IMAGE"; then
    echo "standin: $DEBIAN_IMAGE exists"
    return
  fi
  [[ "$(id -u)" == 0 ]] || engine_die "debootstrap needs root to build $DEBIAN_IMAGE (run as root, or make the image elsewhere)"
  command -v debootstrap >/dev/null || engine_die "debootstrap is missing (apt-get install debootstrap)"
  local root
  root="$(mktemp -d /var/tmp/voxray-standin-rootfs.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$root'" RETURN
  echo "standin: debootstrap bookworm from $MIRROR"
  local started=$SECONDS
  timeout 900 "${nice_cmd[@]}" debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; engine_die "debootstrap failed (log above)"; }
  rm -f "$root.log"
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb ${MIRROR} bookworm main
deb ${MIRROR} bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SOURCES
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
  fi
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | "$ENGINE" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$DEBIAN_IMAGE" >/dev/null
  echo "standin: $DEBIAN_IMAGE imported ($((SECONDS - started)) s)"
}

build_layout() { # NAME TAG
  local name="$1" tag="$2"
  if ((force == 0)) && have_image "$tag"; then
    echo "standin: $tag exists"
    return
  fi
  local started=$SECONDS
  echo "standin: building $tag"
  timeout 1800 "${nice_cmd[@]}" "${BUILD[@]}" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
    -f "$here/$name.Containerfile" -t "$tag" "$here"
  echo "standin: $tag built ($((SECONDS - started)) s)"
}

build_debian
build_layout ray "${PREFIX}/ray:2.60.0-py311-cpu"
build_layout python "${PREFIX}/python:3.11-slim-bookworm"
build_layout node "${PREFIX}/node:22-slim"
"$ENGINE" images --filter "reference=${PREFIX}/*" --format '{{.Repository}}:{{.Tag}} {{.Size}}'
