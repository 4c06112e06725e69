#!/usr/bin/env bash
# Idempotent set-up for `npm start` and `npm test` on Debian / Raspberry Pi OS: installs the
# Debian packages Loop uses when they are missing (as root, or through sudo when it is there).
# Without them Loop still starts: the player reports "unavailable" and uploads are refused.
# On a Pi, ./install.sh installs Loop as a service instead; ./install.sh --dev runs this and builds.
set -euo pipefail
need=(mpv ffmpeg)
[ "${1:-}" = "test" ] && need+=(mosquitto shellcheck chromium faketime)
missing=()
for cmd in "${need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$cmd")
done
# HEIC photos are decoded by libheif's heif-dec (Debian 13) or heif-convert (Debian 12); the tests
# make theirs with heif-enc, from the same package. On Debian 13 its HEVC codecs are plugins.
if ! command -v heif-dec >/dev/null 2>&1 && ! command -v heif-convert >/dev/null 2>&1; then
  missing+=(libheif-examples)
  if command -v apt-cache >/dev/null 2>&1 && apt-cache show libheif-plugin-libde265 >/dev/null 2>&1; then
    missing+=(libheif-plugin-libde265)
    [ "${1:-}" = "test" ] && missing+=(libheif-plugin-x265)
  fi
fi
# Home Assistant's templates are Jinja2: the tests render them with Debian's python3-jinja2.
if [ "${1:-}" = "test" ] && ! /usr/bin/python3 -c 'import jinja2' >/dev/null 2>&1; then missing+=(python3-jinja2); fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${missing[*]} and no apt-get here; install them yourself" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: missing ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
    exit 0
  fi
fi
echo "setup: installing ${missing[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
