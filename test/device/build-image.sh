#!/usr/bin/env bash
# Builds the device test bed's guest: a Debian 13 (trixie) root from Debian packages only
# (mmdebstrap), as an ext4 image plus its kernel and initrd. Cached by a hash of this script and
# the guest files, so a second run reuses it. Prints the cache folder on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${LOOP_DEVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loop-device}"
SUITE=trixie
MIRROR="${LOOP_DEVICE_MIRROR:-http://deb.debian.org/debian}"
# What a Raspberry Pi OS (trixie) device has for Loop, plus the test bed's own tools: hostapd for
# the "home" access point, avahi-utils to browse, iw for the simulated radios, dhcpcd-base for the
# "phone" that joins the hotspot.
PACKAGES=(
  linux-image-amd64 systemd-sysv udev dbus kmod iproute2 procps psmisc util-linux sudo
  ca-certificates curl network-manager dnsmasq-base wpasupplicant hostapd iw wireless-regdb
  avahi-daemon avahi-utils libnss-mdns polkitd nodejs npm mpv ffmpeg dhcpcd-base
)

hash="$(cat "$0" "$HERE"/guest/* 2>/dev/null | sha256sum | cut -c1-16)"
out="$CACHE_ROOT/$hash"
if [ -f "$out/rootfs.img" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
  echo "$out"
  exit 0
fi
command -v mmdebstrap >/dev/null || { echo "build-image: mmdebstrap is missing (apt-get install mmdebstrap)" >&2; exit 1; }
mkdir -p "$CACHE_ROOT"
work="$(mktemp -d "$CACHE_ROOT/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
echo "build-image: mmdebstrap $SUITE into $root" >&2
# The hooks run on the host with the root as $1: single quotes on purpose.
# shellcheck disable=SC2016
mmdebstrap --variant=apt --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  --components=main --aptopt='Acquire::Retries "3"' \
  --customize-hook='cp -a '"$HERE"'/guest/. "$1"/usr/local/lib/loop-testbed/' \
  --setup-hook='mkdir -p "$1"/usr/local/lib/loop-testbed' \
  "$SUITE" "$root" "$MIRROR" >&2

# The guest's own set-up: root on /dev/vda, the checkout on a 9p share, a console on ttyS0 and the
# agent that runs the scenarios at boot (it powers the guest off when they are done).
echo "loop-dev" >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 loop-dev\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 defaults 0 1\n' >"$root/etc/fstab"
echo 'root:testbed' | chroot "$root" chpasswd
install -m 0644 "$root/usr/local/lib/loop-testbed/loop-testbed.service" "$root/etc/systemd/system/"
chroot "$root" systemctl enable loop-testbed.service >&2
# NetworkManager manages the simulated radios; the wired (QEMU user) network is its own too.
mkdir -p "$root/etc/modules-load.d"
printf '9p\n9pnet_virtio\n' >"$root/etc/modules-load.d/testbed.conf"
chroot "$root" apt-get clean

cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/initrd.img"
chmod 0644 "$work/vmlinuz" "$work/initrd.img"
size_mb=$(($(du -sm "$root" | cut -f1) + 1500))
mke2fs -q -t ext4 -L loop-root -d "$root" "$work/rootfs.img" "${size_mb}M" >&2
rm -rf "$root"
# One image is kept: older ones (other inputs) are 3 GB each.
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" ! -path "$work" -exec rm -rf {} +
mkdir -p "$out"
mv "$work/vmlinuz" "$work/initrd.img" "$work/rootfs.img" "$out/"
echo "$out"
