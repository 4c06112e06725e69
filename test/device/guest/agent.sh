#!/bin/bash
# Mounts the host's checkout (read-only) and output folder over 9p, runs the scenario script that
# the kernel command line names, keeps its exit code for the host, and powers off.
set -u
mkdir -p /mnt/src /mnt/out
mount -t 9p -o trans=virtio,version=9p2000.L,ro src /mnt/src
mount -t 9p -o trans=virtio,version=9p2000.L out /mnt/out
script="$(sed -n 's/.*testbed.run=\([^ ]*\).*/\1/p' /proc/cmdline)"
rc=0
if [ -n "$script" ] && [ -x "/mnt/src/$script" ]; then
  "/mnt/src/$script" >/mnt/out/guest.log 2>&1 || rc=$?
else
  echo "agent: no runnable testbed.run= on the kernel command line" >/mnt/out/guest.log
  rc=2
fi
journalctl -b --no-pager >/mnt/out/journal.txt 2>&1 || true
echo "$rc" >/mnt/out/rc
sync
systemctl poweroff
