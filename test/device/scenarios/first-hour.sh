#!/bin/bash
# Runs in the test bed's guest (Debian 13, systemd, 512 MB): the real install.sh from the host's
# checkout, then what a household's first hour asks of the system, each step written as one JSON
# line to /mnt/out/results.jsonl for the host's mocha test to assert on.
set -u
OUT=/mnt/out/results.jsonl
: >"$OUT"
T0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
# result NAME ok|fail DETAIL [FIGURES_JSON]
result() {
  local figures="${4:-{\}}"
  printf '{"scenario":"%s","ok":%s,"detail":"%s","figures":%s}\n' "$1" \
    "$([ "$2" = ok ] && echo true || echo false)" "$(printf '%s' "$3" | tr -d '"\\' | tr '\n' ' ')" "$figures" >>"$OUT"
  echo "[$(since "$T0") s] $1: $2 ($3)"
}
main_pid() { systemctl show -p MainPID --value loop; }
wait_for() { # wait_for SECONDS COMMAND...: true once COMMAND succeeds
  local deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.5; done
}
health() { curl -fsS -m 5 http://127.0.0.1/api/health; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "guest: $(uname -r), $(nproc) cpu, $(awk '/MemTotal/ {print $2}' /proc/meminfo) KiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "guest: node $(node -v), $(mpv --version | head -1), $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"

# The guest reaches the npm registry the way the host does (QEMU's user network NATs through it),
# so it trusts the host's extra certificate authorities too (run.sh copies them to the share).
if ls /mnt/out/host-ca/*.crt >/dev/null 2>&1; then
  cp /mnt/out/host-ca/*.crt /usr/local/share/ca-certificates/ && update-ca-certificates >/dev/null 2>&1
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

# The checkout as a person would have it on the device (no host node_modules: install.sh installs).
mkdir -p /root/loop
tar -C /mnt/src --exclude=./node_modules --exclude=./.git -cf - . | tar -C /root/loop -xf -
cd /root/loop || exit 1

t=$(date +%s.%N)
if ./install.sh --yes >/mnt/out/install.log 2>&1; then
  result install ok "install.sh exited 0" "{\"install_s\":$(since "$t")}"
else
  result install fail "install.sh failed: $(grep -m3 -E 'ERR|install.sh:' /mnt/out/install.log)"
  exit 1
fi

# mpv's `vo: auto` picks `gpu`, which needs a Mesa driver for the card (a Pi has vc4/v3d; QEMU's
# VGA has none): the test bed draws with `drm`, as an SPI panel does.
sed -i 's/^  vo: auto$/  vo: drm/' /etc/loop/config.yaml && systemctl restart loop

if wait_for 120 health; then
  start=$(systemctl show -p ExecMainStartTimestampMonotonic --value loop)
  ready=$(systemctl show -p ActiveEnterTimestampMonotonic --value loop)
  user=$(ps -o user= -p "$(main_pid)")
  state=$(systemctl show -p ActiveState --value loop)
  ready_s=$(awk -v a="$start" -v b="$ready" 'BEGIN {printf "%.1f", (b - a) / 1e6}')
  if [ "$user" = loop ] && [ "$state" = active ]; then
    result ready ok "active as $user, READY after ${ready_s} s" "{\"start_to_ready_s\":$ready_s}"
  else
    result ready fail "state $state, user $user"
  fi
else
  result ready fail "no /api/health within 120 s: $(systemctl status loop --no-pager | tail -5)"
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
api() { curl -fsS -m 20 -H "Authorization: Bearer $TOKEN" "$@"; }
playing() { api http://127.0.0.1/api/dashboard | grep -q "\"current_media\":\"$1\"" && api http://127.0.0.1/api/playback | grep -q '"state":"playing"'; }
sleep 5
if screendump idle; then result screen_idle ok "idle screen captured" "{\"vo_drm_card\":$(compgen -G '/dev/dri/card*' | wc -l)}"; else result screen_idle fail "no screendump"; fi
# The owner claims the device with the code its screen shows (read here from where the screen reads it).
code=$(cat /var/lib/loop/auth/setup-code 2>/dev/null)
claim() { curl -sS -m 30 -o /dev/null -w '%{http_code}' -H 'Origin: http://127.0.0.1' -H 'Content-Type: application/json' \
  -d "{\"password\":\"testbed-owner-pw\",\"code\":\"$1\"}" http://127.0.0.1/api/auth/onboard; }
wrong=$(claim WRONGCOD)
right=$(claim "$code")
if [ "$wrong" != 200 ] && [ "$right" = 200 ]; then result claim ok "a wrong code answered $wrong, the screen's code 200"; else result claim fail "wrong code $wrong, right code $right"; fi
TOKEN=$(sudo -u loop /opt/loop/bin/loop.js token create testbed --config /etc/loop/config.yaml 2>/dev/null | grep -o 'loop_[A-Za-z0-9_-]*' | head -1)
ffmpeg -v error -f lavfi -i "color=c=0xd02020:s=640x480:d=6:r=25" -pix_fmt yuv420p /root/red.mp4
t=$(date +%s.%N)
slug=$(api -F "file=@/root/red.mp4;type=video/mp4" http://127.0.0.1/api/media | grep -o '"slug":"[^"]*"' | head -1 | cut -d'"' -f4)
if [ -n "$slug" ] && wait_for 300 playing "$slug"; then
  first=$(since "$t")
  sleep 3
  screendump playing
  result first_clip ok "uploaded $slug, playing after ${first} s" "{\"upload_to_playing_s\":$first}"
else
  result first_clip fail "upload '${slug}' not playing: $(api http://127.0.0.1/api/playback)"
fi
journalctl -u loop -b --no-pager >/mnt/out/loop-journal.txt 2>&1

pid=$(main_pid)
kill -9 "$pid"
if wait_for 60 bash -c "[ \"\$(systemctl show -p MainPID --value loop)\" != 0 ] && [ \"\$(systemctl show -p MainPID --value loop)\" != $pid ] && curl -fsS -m 5 http://127.0.0.1/api/health"; then
  result kill9 ok "restarted after kill -9 (pid $pid -> $(main_pid))"
else
  result kill9 fail "not restarted after kill -9 of $pid"
fi

# The watchdog: the unit's WatchdogSec is 60 s; a drop-in shortens it to 20 s here so the test
# costs less, the mechanism (WATCHDOG=1 pings stop, systemd kills and restarts) is the same.
mkdir -p /etc/systemd/system/loop.service.d
printf '[Service]\nWatchdogSec=20s\n' >/etc/systemd/system/loop.service.d/testbed-watchdog.conf
systemctl daemon-reload && systemctl restart loop && wait_for 120 health
pid=$(main_pid)
kill -STOP "$pid"
if wait_for 90 bash -c "[ \"\$(systemctl show -p MainPID --value loop)\" != $pid ] && curl -fsS -m 5 http://127.0.0.1/api/health"; then
  result watchdog ok "SIGSTOP for longer than WatchdogSec: replaced (pid $pid -> $(main_pid))"
else
  result watchdog fail "still pid $pid after a SIGSTOP of 90 s"
fi
rm -f /etc/systemd/system/loop.service.d/testbed-watchdog.conf
systemctl daemon-reload && systemctl restart loop && wait_for 120 health

if out=$(timeout 20 avahi-browse -rtp _http._tcp 2>/dev/null) && grep -q '^=.*loop-dev' <<<"$out"; then
  result avahi ok "$(grep -c '^=' <<<"$out") _http._tcp records, loop-dev among them"
else
  result avahi fail "no _http._tcp record for loop-dev: $out"
fi

pid=$(main_pid)
mpv_pid=$(pgrep -u loop -x mpv | head -1)
loop_kib=$(rss_kib "$pid")
mpv_kib=$(rss_kib "${mpv_pid:-0}")
result rss ok "Loop ${loop_kib} KiB, mpv ${mpv_kib} KiB" "{\"loop_rss_kib\":$loop_kib,\"mpv_rss_kib\":$mpv_kib}"

# Upgrade in place keeps the config and the data; uninstall leaves nothing of Loop but them;
# --purge removes them too.
sed -i 's/^  name: Loop$/  name: Testbed Loop/' /etc/loop/config.yaml
echo kept >/var/lib/loop/testbed-marker
if ./install.sh --yes >/mnt/out/upgrade.log 2>&1 && wait_for 120 health &&
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
