#!/usr/bin/env bash
# Stages Loop for the arm64 idle-RSS bench (bench/idle-arm64.ts) as install.sh stages it: bin/,
# config/, package*.json and the compiled dist/{app,core,plugins,web/src} into OUT/opt/loop, with
# node_modules from `npm ci --omit=dev`, and the bench's guest script into OUT/bench. The x86-64
# host runs the same staged copy. Loop's runtime dependencies are plain JavaScript (checked here:
# no native addon), so one npm ci serves both architectures; it is cached by a hash of
# package.json and package-lock.json, as a cpio beside the arm64 image.
# Usage: test/device/arm64/stage-app.sh OUT   (OUT empty or missing)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../../.." && pwd)"
CACHE_ROOT="${LOOP_DEVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loop-device}"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
app="$out/opt/loop"
[ -f "$SRC/dist/app/main.js" ] || { echo "arm64 stage: $SRC/dist is missing: build first" >&2; exit 2; }

mkdir -p "$app/dist/web" "$out/bench"
cp -R "$SRC/bin" "$SRC/config" "$SRC/package.json" "$SRC/package-lock.json" "$app/"
cp -R "$SRC/dist/app" "$SRC/dist/core" "$SRC/dist/plugins" "$app/dist/"
cp -R "$SRC/dist/web/src" "$app/dist/web/"
find "$app/dist" -name '*.map' -delete
cp "$HERE/idle-trio.sh" "$HERE/heap-probe.cjs" "$out/bench/"

hash="$(cat "$SRC/package.json" "$SRC/package-lock.json" | sha256sum | cut -c1-16)"
modules="$CACHE_ROOT/arm64-modules-$hash.cpio.gz"
if [ ! -f "$modules" ]; then
  mkdir -p "$CACHE_ROOT"
  work="$(mktemp -d "${TMPDIR:-/tmp}/loop-arm64-modules.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/opt/loop"
  cp "$SRC/package.json" "$SRC/package-lock.json" "$work/opt/loop/"
  echo "arm64 stage: npm ci --omit=dev --omit=optional (cached as $modules)" >&2
  (cd "$work/opt/loop" && npm ci --omit=dev --omit=optional --prefer-offline --no-audit --no-fund --loglevel=error >&2)
  native="$(find "$work/opt/loop/node_modules" -name '*.node' -o -name binding.gyp | head -n 5)"
  if [ -n "$native" ]; then
    echo "arm64 stage: native addons in the runtime dependencies; an x86-64 npm ci cannot serve arm64:" >&2
    echo "$native" >&2
    exit 1
  fi
  (cd "$work" && find opt/loop/node_modules | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$work/modules.cpio.gz"
  find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type f -name 'arm64-modules-*' -delete
  mv "$work/modules.cpio.gz" "$modules"
fi
(cd "$out" && gzip -dc "$modules" | cpio --quiet -idm)
chmod -R u=rwX,go=rX "$out"
