#!/usr/bin/env bash
# Boots the test bed's guest (built or reused by build-image.sh) with 512 MB under QEMU's TCG, the
# checkout shared read-only, and runs one scenario script in it; the guest powers itself off.
# Usage: test/device/run.sh SCENARIO OUTDIR   (SCENARIO relative to the checkout)
# Exit code: the scenario's (from OUTDIR/rc), or 124 when the guest did not finish in time.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"
scenario="$1"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
# 17 min on a quiet 2-core host, over 40 at load 15 (docs/performance.md).
timeout_s="${LOOP_DEVICE_TIMEOUT:-4800}"
agent_js="$SRC/dist/test/device/host-agent.js"
[ -f "$agent_js" ] || { echo "device: $agent_js is missing: build first (node scripts/ensure-built.js --dev)" >&2; exit 2; }
image="$(bash "$HERE/build-image.sh" | tail -1)"
rm -rf "$out/rc" "$out/results.jsonl" "$out/host-loadavg" "$out/host-ca" "$out"/*.sock "$out"/*.ppm
mkdir -p "$out/host-ca"
cp /usr/local/share/ca-certificates/*.crt "$out/host-ca/" 2>/dev/null || true
# A throw-away layer over the cached image: every run starts from the same fresh system.
qemu-img create -q -f qcow2 -b "$image/rootfs.img" -F raw "$out/disk.qcow2"
t0=$(date +%s)
set +e
# TCG, not KVM: /dev/kvm opens here but a nested guest is far slower than TCG (docs/performance.md).
timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -smp 2 -m 512 \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 testbed.run=$scenario" \
  -drive "file=$out/disk.qcow2,if=virtio,format=qcow2" \
  -netdev user,id=net0 -device virtio-net-pci,netdev=net0 \
  -virtfs "local,path=$SRC,mount_tag=src,security_model=none,readonly=on" \
  -virtfs "local,path=$out,mount_tag=out,security_model=none" \
  -vga std -display none -monitor none -serial "file:$out/serial.log" \
  -qmp "unix:$out/qmp.sock,server=on,wait=off" \
  -chardev "socket,id=ctl,path=$out/ctl.sock,server=on,wait=off" \
  -device virtio-serial -device virtserialport,chardev=ctl,name=testbed.ctl \
  -no-reboot &
qemu=$!
# The guest's requests that only the host can serve (screendumps of the DRM display).
node "$agent_js" "$out" &
agent=$!
# The host's load, where the guest can read it: every figure is noted with it (other work shares
# this machine, and a TCG guest slows down with it).
while sleep 5; do cp /proc/loadavg "$out/host-loadavg.tmp" && mv "$out/host-loadavg.tmp" "$out/host-loadavg"; done &
sampler=$!
wait "$qemu"
qemu_rc=$?
kill "$agent" "$sampler" 2>/dev/null
set -e
rm -f "$out/disk.qcow2"
echo "device: guest ran $(($(date +%s) - t0)) s (qemu exit $qemu_rc)" >&2
[ "$qemu_rc" -eq 124 ] && exit 124
[ -f "$out/rc" ] || { echo "device: the guest left no rc (see $out/serial.log)" >&2; exit 125; }
exit "$(cat "$out/rc")"
