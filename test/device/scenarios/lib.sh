# shellcheck shell=bash
# Shared by the test bed's scenario scripts (sourced): the result lines, waits and Loop's API.
OUT=/mnt/out/results.jsonl
T0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# The host's load average (run.sh copies it to the share every 5 s).
host_load() { cut -d' ' -f1-3 /mnt/out/host-loadavg 2>/dev/null || echo unknown; }
# result NAME ok|fail DETAIL [FIGURES_JSON]: figures' load1 is the guest's, host_load the host's.
result() {
  local figures="${4:-{\}}"
  printf '{"scenario":"%s","ok":%s,"detail":"%s","figures":%s,"host_load":"%s"}\n' "$1" \
    "$([ "$2" = ok ] && echo true || echo false)" "$(printf '%s' "$3" | tr -d '"\\' | tr '[:cntrl:]' ' ')" "$figures" "$(host_load)" >>"$OUT"
  echo "[$(since "$T0") s] $1: $2 ($3) host load $(host_load)"
}
main_pid() { systemctl show -p MainPID --value loop; }
wait_for() { # wait_for SECONDS COMMAND...: true once COMMAND succeeds
  local deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.5; done
}
health() { curl -fsS -m 5 http://127.0.0.1/api/health; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
api() { curl -fsS -m 20 -H "Authorization: Bearer $TOKEN" "$@"; }
# What an API path answers, status and body, for a failure's detail (api's -f hides the body).
api_said() { curl -sS -m 20 -H "Authorization: Bearer $TOKEN" -w ' (HTTP %{http_code})' "$1" 2>&1 | head -c 400; }

# The guest reaches the npm registry the way the host does (QEMU's user network NATs through it),
# so it trusts the host's extra certificate authorities too (run.sh copies them to the share).
trust_host_ca() {
  if ls /mnt/out/host-ca/*.crt >/dev/null 2>&1; then
    cp /mnt/out/host-ca/*.crt /usr/local/share/ca-certificates/ && update-ca-certificates >/dev/null 2>&1
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
}

# The checkout as a person would have it on the device (no host node_modules: install.sh installs),
# installed with the real install.sh; mpv draws with `drm` (see first-hour.sh).
install_loop() {
  mkdir -p /root/loop
  tar -C /mnt/src --exclude=./node_modules --exclude=./.git -cf - . | tar -C /root/loop -xf -
  cd /root/loop || return 1
  # The guest (TCG, ~20x slower than the host for JavaScript) starts Loop in 25-35 s on a quiet
  # host but took 95 s at host load 15, past the unit's TimeoutStartSec=90s: a drop-in gives the
  # test bed room; start_to_ready_s records what the start really took.
  mkdir -p /etc/systemd/system/loop.service.d
  printf '[Service]\nTimeoutStartSec=300s\n' >/etc/systemd/system/loop.service.d/testbed-timeout.conf
  local t
  t=$(date +%s.%N)
  if ./install.sh --yes >/mnt/out/install.log 2>&1; then
    result install ok "install.sh exited 0" "{\"install_s\":$(since "$t"),\"load1\":$(load1)}"
  else
    result install fail "install.sh failed: $(grep -m3 -E 'ERR|install.sh:' /mnt/out/install.log)"
    return 1
  fi
  # mpv's `vo: auto` picks `gpu`, which needs a Mesa driver for the card (a Pi has vc4/v3d; QEMU's
  # VGA has none): the test bed draws with `drm`, as an SPI panel does.
  sed -i 's/^  vo: auto$/  vo: drm/' /etc/loop/config.yaml
  # Debug logs: the WiFi onboarding's every decision is in the journal the failures keep (the
  # installed config has no log section of its own).
  grep -q '^log:' /etc/loop/config.yaml || printf 'log:\n  level: debug\n' >>/etc/loop/config.yaml
}
