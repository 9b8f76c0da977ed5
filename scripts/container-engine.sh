#!/usr/bin/env bash
# Sourced by voxray's image scripts: picks the container engine and exports its settings.
#
#   ENGINE   docker (a daemon that answers) or podman; VOXRAY_ENGINE=docker|podman forces one.
#   BUILD    the build command line prefix for that engine.
#
# Docker is used only where its daemon answers (`docker info`), not merely where the client is
# installed. Otherwise podman, with scripts/containers.conf unless CONTAINERS_CONF is already set.
# Nothing is skipped: no usable engine is an error with what to install.

engine_die() {
  echo "voxray images: $*" >&2
  exit 1
}

pick_engine() {
  local forced="${VOXRAY_ENGINE:-}"
  if [[ -z "$forced" || "$forced" == docker ]]; then
    if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then
      ENGINE=docker
      return
    fi
    [[ "$forced" == docker ]] && engine_die "VOXRAY_ENGINE=docker but the Docker daemon does not answer (docker info)"
  fi
  if [[ -z "$forced" || "$forced" == podman ]]; then
    if ! command -v podman >/dev/null; then
      engine_die "neither a Docker daemon nor podman is available. Install podman (Debian/Ubuntu as root: apt-get install podman buildah runc debootstrap; make install does this when run as root) or start Docker."
    fi
    export CONTAINERS_CONF="${CONTAINERS_CONF:-${VOXRAY_REPO_ROOT}/scripts/containers.conf}"
    local err
    if ! err="$(timeout 60 podman info 2>&1 >/dev/null)"; then
      engine_die "podman is installed but cannot run (podman info failed, CONTAINERS_CONF=${CONTAINERS_CONF}): ${err}"
    fi
    ENGINE=podman
    return
  fi
  engine_die "VOXRAY_ENGINE must be docker or podman, not '$forced'"
}

VOXRAY_REPO_ROOT="${VOXRAY_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
pick_engine
# BUILD is read by the scripts that source this file.
# shellcheck disable=SC2034
if [[ "$ENGINE" == docker ]]; then
  export DOCKER_BUILDKIT=1
  BUILD=(docker build)
else
  # --format docker: the OCI format drops SHELL; --network host: the build steps reach PyPI and npm
  # through the host's network (rootful podman's bridge needs nothing more, but host is simplest);
  # --pull=never: bases are local (pulled or made by scripts/standin-bases.sh).
  BUILD=(podman build --format docker --network host --pull=never)
fi
export ENGINE
