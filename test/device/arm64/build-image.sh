#!/usr/bin/env bash
# Builds the arm64 guest of the idle-RSS bench (bench/idle-arm64.ts): Debian 13's own arm64 kernel
# and nodejs, unpacked from Debian packages only (mmdebstrap --variant=extract: no maintainer
# script runs, so no binfmt_misc is needed), with busybox for a tiny /init. The root becomes a
# gzip'd initramfs cpio: no disk, no kernel module to load. Cached by a hash of this script and
# the init, as files beside the x86-64 test bed's image (whose build prunes other folders there).
# `build-image.sh amd64` builds the same root for x86-64 (no kernel): the bench runs Debian's own
# amd64 nodejs in a chroot, so that arm64 compares with the same build of node.
# Prints two lines: the kernel's path ("none" for amd64) and the root cpio's path.
set -euo pipefail
ARCH="${1:-arm64}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${LOOP_DEVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loop-device}"
SUITE=trixie
MIRROR="${LOOP_DEVICE_MIRROR:-http://deb.debian.org/debian}"
# nodejs as a Raspberry Pi OS (trixie) device has it; coreutils for bin/loop.js's `env -S`
# shebang; busybox-static for /init's mounts and the bench script's shell.
PACKAGES=(nodejs coreutils busybox-static)
[ "$ARCH" = amd64 ] || PACKAGES+=("linux-image-$ARCH")
# What the guest needs of busybox beyond coreutils (no arm64 binary can run here to
# `busybox --install` itself).
APPLETS=(sh mount ip grep awk sed kill poweroff free)

hash="$( (echo "$ARCH" && cat "$0" "$HERE/init") | sha256sum | cut -c1-16)"
kernel="$CACHE_ROOT/$ARCH-image-$hash-vmlinuz"
rootcpio="$CACHE_ROOT/$ARCH-image-$hash-root.cpio.gz"
if [ "$ARCH" = amd64 ]; then kernel=none; fi
if { [ "$kernel" = none ] || [ -f "$kernel" ]; } && [ -f "$rootcpio" ]; then
  printf '%s\n%s\n' "$kernel" "$rootcpio"
  exit 0
fi
for tool in mmdebstrap cpio gzip; do
  command -v "$tool" >/dev/null || { echo "$ARCH image: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
mkdir -p "$CACHE_ROOT"
# Not under CACHE_ROOT: the x86-64 image build removes every folder there but its own.
work="$(mktemp -d "${TMPDIR:-/tmp}/loop-$ARCH-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
echo "$ARCH image: mmdebstrap --variant=extract --arch=$ARCH $SUITE into $root" >&2
mmdebstrap --variant=extract --arch="$ARCH" --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  --components=main --aptopt='Acquire::Retries "3"' "$SUITE" "$root" "$MIRROR" >&2

[ "$kernel" = none ] || cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
# Only what node and the bench use goes into the initramfs (it stays in the guest's RAM): no
# kernel modules, firmware, systemd, udev, docs or translations.
(cd "$root" && rm -rf boot usr/lib/modules usr/lib/linux-image-* usr/lib/firmware usr/lib/systemd \
  usr/lib/*-linux-gnu/systemd usr/lib/*-linux-gnu/gconv usr/lib/klibc usr/lib/udev \
  usr/share/doc usr/share/man usr/share/info \
  usr/share/locale var/cache/* var/lib/apt)
# Debian 13 is merged-/usr; base-files, which would make these links, is not unpacked here.
for dir in bin sbin lib lib64; do [ ! -d "$root/usr/$dir" ] || ln -sfn "usr/$dir" "$root/$dir"; done
for applet in "${APPLETS[@]}"; do
  [ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
done
mkdir -p "$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run "$root"/root
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
echo "loop-$ARCH" >"$root/etc/hostname"
install -m 0755 "$HERE/init" "$root/init"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$work/root.cpio.gz"
# One image per architecture is kept: older ones came from other inputs.
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type f -name "$ARCH-image-*" ! -name "$ARCH-image-$hash-*" -delete
[ "$kernel" = none ] || mv "$work/vmlinuz" "$kernel"
mv "$work/root.cpio.gz" "$rootcpio"
printf '%s\n%s\n' "$kernel" "$rootcpio"
