#!/usr/bin/env bash
# Install axe-core (npm, MPL-2.0), the accessibility engine the Playground's browser tests inject into
# the page. It is a test tool only: the runtime never serves it.
#
#   scripts/fetch_axe.sh [DEST_DIR]
#
# DEST_DIR defaults to .venv/share/voxray/axe-core (where tests/playground look; override with
# VOXRAY_AXE_JS). Idempotent: a no-op when the pinned version is already there. Needs npm and tar.
set -euo pipefail

readonly VERSION="4.14.1"
readonly PACKAGE="axe-core@${VERSION}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${repo_root}/.venv/share/voxray/axe-core}"

die() {
  echo "fetch_axe: $*" >&2
  exit 1
}

# Succeeds when $1 is axe.min.js of VERSION.
check_axe() {
  [[ -f "$1" ]] && head -c 200 "$1" | grep -q "axe v${VERSION}"
}

if check_axe "$dest/axe.min.js"; then
  echo "fetch_axe: axe-core ${VERSION} already in $dest"
  exit 0
fi

command -v npm >/dev/null || die "npm not found; install Node.js (apt-get install npm)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch_axe: fetching $PACKAGE"
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null) || die "npm pack $PACKAGE failed"
tar -xzf "$work"/axe-core-*.tgz -C "$work" package/axe.min.js package/LICENSE || die "the $PACKAGE tarball has no axe.min.js"
check_axe "$work/package/axe.min.js" || die "$PACKAGE axe.min.js is not version ${VERSION}"

mkdir -p "$dest"
cp "$work/package/LICENSE" "$dest/LICENSE"
# copy beside, then rename: a reader never sees a half-written file
cp "$work/package/axe.min.js" "$dest/.axe.min.js.incoming"
mv -f "$dest/.axe.min.js.incoming" "$dest/axe.min.js"
echo "fetch_axe: installed axe-core ${VERSION} into $dest"
