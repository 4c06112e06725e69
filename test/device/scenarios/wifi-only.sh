#!/bin/bash
# A shorter scenario for working on the WiFi steps: install, then wifi-steps.sh only.
set -u
HERE=$(dirname "$0")
# shellcheck source=test/device/scenarios/lib.sh
. "$HERE/lib.sh"
: >"$OUT"
trust_host_ca
install_loop || exit 1
systemctl restart loop
wait_for 300 health || { result ready fail "no health"; exit 1; }
# shellcheck source=test/device/scenarios/wifi-steps.sh
. "$HERE/wifi-steps.sh"
wifi_steps
journalctl -u loop -b --no-pager >/mnt/out/loop-journal.txt 2>&1
echo "guest: done in $(since "$T0") s"
