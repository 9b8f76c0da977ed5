#!/usr/bin/env bash
# Install the weights no Python package carries: Kokoro's voice style files, from npm kokoro-js.
#
#   scripts/fetch_weights.sh [VOICES_DIR]
#
# VOICES_DIR defaults to .venv/share/voxray/weights/kokoro-js/voices, where the runtime looks
# (voxray_runtime.engines.weights.kokoro_voices_dir; override with VOXRAY_KOKORO_VOICES).
# Idempotent: a no-op when every file is already there with the right size. Needs npm and tar.
set -euo pipefail

readonly PACKAGE="kokoro-js@1.2.1"
readonly EXPECTED_COUNT=54
readonly STYLE_BYTES=522240 # 510 x 1 x 256 float32

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${repo_root}/.venv/share/voxray/weights/kokoro-js/voices}"

die() {
  echo "fetch_weights: $*" >&2
  exit 1
}

# Succeeds when $1 holds at least EXPECTED_COUNT .bin files, all of STYLE_BYTES.
check_voices() {
  local dir="$1" count=0 f size
  [[ -d "$dir" ]] || return 1
  for f in "$dir"/*.bin; do
    [[ -f "$f" ]] || return 1
    size=$(stat -c %s "$f")
    [[ "$size" == "$STYLE_BYTES" ]] || {
      echo "fetch_weights: $f has $size bytes, expected $STYLE_BYTES" >&2
      return 1
    }
    count=$((count + 1))
  done
  ((count >= EXPECTED_COUNT))
}

if check_voices "$dest" 2>/dev/null; then
  echo "fetch_weights: Kokoro voices already in $dest"
  exit 0
fi

command -v npm >/dev/null || die "npm not found; install Node.js (apt-get install npm)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch_weights: fetching $PACKAGE"
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null) || die "npm pack $PACKAGE failed"
tar -xzf "$work"/kokoro-js-*.tgz -C "$work" package/voices || die "the $PACKAGE tarball has no voices/"
check_voices "$work/package/voices" || die "$PACKAGE voices/ does not hold $EXPECTED_COUNT files of $STYLE_BYTES bytes"

# Stage beside the destination, then move each file in (a rename on one filesystem): a reader never sees
# a half-written file, and nothing else in the destination folder is touched.
mkdir -p "$dest"
stage="$(mktemp -d "$dest/.incoming.XXXXXX")"
cp "$work"/package/voices/*.bin "$stage"/
chmod 644 "$stage"/*.bin
mv -f "$stage"/*.bin "$dest"/
rmdir "$stage"
check_voices "$dest" || die "installed voices in $dest fail the size check"
echo "fetch_weights: installed $EXPECTED_COUNT Kokoro voices into $dest"
