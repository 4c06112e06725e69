#!/bin/bash
# Runs in the test bed's guest (Debian 13, systemd, 512 MB): the real install.sh from the host's
# checkout, then what a household's first hour asks of the system, each step written as one JSON
# line to /mnt/out/results.jsonl for the host's mocha test to assert on.
set -u
HERE=$(dirname "$0")
# shellcheck source=test/device/scenarios/lib.sh
. "$HERE/lib.sh"
# shellcheck source=test/device/scenarios/wifi-steps.sh
. "$HERE/wifi-steps.sh"
# shellcheck source=test/device/scenarios/convert-rss.sh
. "$HERE/convert-rss.sh"
: >"$OUT"

echo "guest: $(uname -r), $(nproc) cpu, $(awk '/MemTotal/ {print $2}' /proc/meminfo) KiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "guest: node $(node -v), $(mpv --version | head -1), $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
result boot ok "multi-user after $(cut -d' ' -f1 /proc/uptime) s" "{\"boot_s\":$(cut -d' ' -f1 /proc/uptime),\"load1\":$(load1)}"
trust_host_ca
install_loop || exit 1
systemctl restart loop

if wait_for 300 health; then
  start=$(systemctl show -p ExecMainStartTimestampMonotonic --value loop)
  ready=$(systemctl show -p ActiveEnterTimestampMonotonic --value loop)
  user=$(ps -o user= -p "$(main_pid)")
  state=$(systemctl show -p ActiveState --value loop)
  ready_s=$(awk -v a="$start" -v b="$ready" 'BEGIN {printf "%.1f", (b - a) / 1e6}')
  if [ "$user" = loop ] && [ "$state" = active ]; then
    result ready ok "active as $user, READY after ${ready_s} s" "{\"start_to_ready_s\":$ready_s,\"load1\":$(load1)}"
  else
    result ready fail "state $state, user $user"
  fi
else
  result ready fail "no /api/health within 300 s: $(systemctl status loop --no-pager | tail -5)"
fi

# The screen: what QEMU's display (the DRM card mpv draws on) shows, captured by the host.
screendump() { # screendump NAME: the host saves /mnt/out/NAME.ppm
  local reply=""
  exec 3<>/dev/virtio-ports/testbed.ctl || return 1
  echo "screendump $1" >&3
  read -r -t 60 reply <&3
  exec 3>&-
  [ "${reply%% *}" = ok ]
}
playing() { api http://127.0.0.1/api/dashboard | grep -q "\"current_media\":\"$1\"" && api http://127.0.0.1/api/playback | grep -q '"state":"playing"'; }
sleep 5
if screendump idle; then result screen_idle ok "idle screen captured" "{\"vo_drm_card\":$(compgen -G '/dev/dri/card*' | wc -l)}"; else result screen_idle fail "no screendump"; fi

# No known network: the hotspot, a phone that joins it and claims the device, WiFi set up from the
# phone, the fallback and the rejoin, avahi from the home network (wifi-steps.sh).
wifi_steps
# The cable back in (later steps reinstall with npm), and Loop started again, as after a power cut.
[ -z "${ETH:-}" ] || nmcli -w 90 device connect "$ETH" >/dev/null
systemctl restart loop && wait_for 300 health

# The phone did not get to claim: claim here with the code the screen shows, so the rest can run.
if [ "${CLAIMED:-0}" != 1 ]; then
  code=$(cat /var/lib/loop/auth/setup-code 2>/dev/null)
  claim() { curl -sS -m 30 -o /dev/null -w '%{http_code}' -H 'Origin: http://127.0.0.1' -H 'Content-Type: application/json' \
    -d "{\"password\":\"testbed-owner-pw\",\"code\":\"$1\"}" http://127.0.0.1/api/auth/onboard; }
  wrong=$(claim WRONGCOD)
  right=$(claim "$code")
  grep -q '"scenario":"claim"' "$OUT" || result claim fail "the phone never claimed; locally: wrong code $wrong, right code $right"
fi
export TOKEN
TOKEN=$(sudo -u loop /opt/loop/bin/loop.js token create testbed --config /etc/loop/config.yaml 2>/dev/null | grep -o 'loop_[A-Za-z0-9_-]*' | head -1)
ffmpeg -v error -f lavfi -i "color=c=0xd02020:s=640x480:d=6:r=25" -pix_fmt yuv420p /root/red.mp4
t=$(date +%s.%N)
slug=$(api -F "file=@/root/red.mp4;type=video/mp4" http://127.0.0.1/api/media | grep -o '"slug":"[^"]*"' | head -1 | cut -d'"' -f4)
if [ -n "$slug" ] && wait_for 300 playing "$slug"; then
  first=$(since "$t")
  sleep 3
  screendump playing
  result first_clip ok "uploaded $slug, playing after ${first} s" "{\"upload_to_playing_s\":$first,\"load1\":$(load1)}"
else
  journalctl -u loop -b --no-pager -n 60 >/mnt/out/first-clip-journal.txt 2>&1
  result first_clip fail "upload '${slug}' not playing: playback $(api_said http://127.0.0.1/api/playback); item $(api_said "http://127.0.0.1/api/media/$slug")"
fi

# Loop, mpv and one 1080p conversion in 512 MB (convert-rss.sh).
pid=$(main_pid)
mpv_pid=$(pgrep -u loop -x mpv | head -1)
result rss_idle ok "playing, no conversion: Loop $(rss_kib "$pid") KiB, mpv $(rss_kib "${mpv_pid:-0}") KiB" \
  "{\"loop_rss_kib\":$(rss_kib "$pid"),\"mpv_rss_kib\":$(rss_kib "${mpv_pid:-0}"),\"load1\":$(load1)}"
convert_rss_step
journalctl -u loop -b --no-pager >/mnt/out/loop-journal.txt 2>&1

# Restarts take Loop's whole start (30-60 s in this guest under load): the waits leave room for it.
pid=$(main_pid)
kill -9 "$pid"
if wait_for 180 bash -c "[ \"\$(systemctl show -p MainPID --value loop)\" != 0 ] && [ \"\$(systemctl show -p MainPID --value loop)\" != $pid ] && curl -fsS -m 5 http://127.0.0.1/api/health"; then
  result kill9 ok "restarted after kill -9 (pid $pid -> $(main_pid))"
else
  result kill9 fail "not restarted after kill -9 of $pid: $(systemctl status loop --no-pager | sed -n 3p)"
fi

# The watchdog: the unit's WatchdogSec is 60 s; a drop-in shortens it to 20 s here so the test
# costs less, the mechanism (WATCHDOG=1 pings stop, systemd kills and restarts) is the same.
mkdir -p /etc/systemd/system/loop.service.d
printf '[Service]\nWatchdogSec=20s\n' >/etc/systemd/system/loop.service.d/testbed-watchdog.conf
systemctl daemon-reload && systemctl restart loop && wait_for 300 health
pid=$(main_pid)
kill -STOP "$pid"
if wait_for 210 bash -c "[ \"\$(systemctl show -p MainPID --value loop)\" != $pid ] && curl -fsS -m 5 http://127.0.0.1/api/health"; then
  result watchdog ok "SIGSTOP for longer than WatchdogSec: replaced (pid $pid -> $(main_pid))"
else
  result watchdog fail "still pid $pid after a SIGSTOP of 210 s"
fi
rm -f /etc/systemd/system/loop.service.d/testbed-watchdog.conf
systemctl daemon-reload && systemctl restart loop && wait_for 300 health

if out=$(timeout 20 avahi-browse -rtp _http._tcp 2>/dev/null) && grep -q '^=.*loop-dev' <<<"$out"; then
  result avahi ok "$(grep -c '^=' <<<"$out") _http._tcp records, loop-dev among them"
else
  result avahi fail "no _http._tcp record for loop-dev: $out"
fi

# Upgrade in place keeps the config and the data; uninstall leaves nothing of Loop but them;
# --purge removes them too.
sed -i 's/^  name: Loop$/  name: Testbed Loop/' /etc/loop/config.yaml
echo kept >/var/lib/loop/testbed-marker
if ./install.sh --yes >/mnt/out/upgrade.log 2>&1 && wait_for 300 health &&
  grep -q 'name: Testbed Loop' /etc/loop/config.yaml && [ -f /var/lib/loop/testbed-marker ]; then
  result upgrade ok "install.sh again: running, config and data kept"
else
  result upgrade fail "upgrade: $(tail -3 /mnt/out/upgrade.log)"
fi

./install.sh --uninstall >/mnt/out/uninstall.log 2>&1
left=$({ compgen -G '/opt/loop*'; compgen -G /etc/systemd/system/loop.service; } | tr '\n' ' ')
if [ -z "$left" ] && ! systemctl is-active --quiet loop && [ -f /var/lib/loop/testbed-marker ] && [ -f /etc/loop/config.yaml ]; then
  result uninstall ok "nothing of Loop left but /etc/loop and /var/lib/loop"
else
  result uninstall fail "left: ${left:-none}; data kept: $([ -f /var/lib/loop/testbed-marker ] && echo yes || echo no)"
fi
./install.sh --uninstall --purge >/mnt/out/purge.log 2>&1
left=$({ compgen -G /etc/loop; compgen -G /var/lib/loop; } | tr '\n' ' ')
if [ -z "$left" ] && ! id loop >/dev/null 2>&1; then
  result purge ok "config, data and the loop user removed"
else
  result purge fail "left: ${left:-none}; user loop: $(id loop 2>&1)"
fi
echo "guest: done in $(since "$T0") s"
