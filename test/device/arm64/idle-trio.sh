#!/bin/sh
# Idle memory of bare node and of Loop, one process at a time, for bench/idle-arm64.ts: run by the
# arm64 guest's /init (busybox sh) and on the x86-64 host (dash) alike, so both measure the same way.
# Each case: start, wait for its "up" line; IDLE_SETTLE_SECONDS after it, and again IDLE_LATE_SECONDS
# after it, read VmRSS, RssAnon, RssFile, RssShmem from /proc/<pid>/status and ask heap-probe.cjs
# for the V8 heap (SIGUSR2); then once more right after a full GC (at_s=gc); then stop it. One line
# per reading:
#   RESULT case=NAME at_s=20 up_s=.. vmrss_kb=.. anon_kb=.. file_kb=.. shmem_kb=.. heap_used=.. heap_total=.. external=..
# Loop is started as systemd starts it: bin/loop.js executed, so its shebang's V8 flags apply.
# Inputs (environment): LOOP_APP (a staged Loop: bin/, dist/, config/, node_modules/), IDLE_CASES
# ("NAME=PLUGINS ..." with PLUGINS a LOOP_PLUGINS list without spaces, or "bare"), IDLE_TMP,
# IDLE_HTTP_PORT, IDLE_MQTT_PORT; optional IDLE_SETTLE_SECONDS (20), IDLE_LATE_SECONDS (60),
# IDLE_UP_TIMEOUT (900 s).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
settle="${IDLE_SETTLE_SECONDS:-20}"
late="${IDLE_LATE_SECONDS:-60}"
up_timeout="${IDLE_UP_TIMEOUT:-900}"
export NODE_OPTIONS="--require=$here/heap-probe.cjs"

# Seconds since boot with centiseconds: /proc/uptime works under busybox and dash alike.
uptime_s() { cut -d' ' -f1 /proc/uptime; }
status_kb() { grep "^$2:" "/proc/$1/status" | tr -s ' \t' ' ' | cut -d' ' -f2; }
# A child that exited is a zombie until waited for: kill -0 would still find it.
alive() { grep -q '^State:[[:space:]]*[^Z[:space:]]' "/proc/$1/status" 2>/dev/null; }

# Waits until FILE holds TEXT, or the process PID is gone, or SECONDS pass; 0 when the text came.
wait_for() {
  waited=0
  while [ "$waited" -lt "$4" ]; do
    grep -q "$3" "$2" 2>/dev/null && return 0
    alive "$1" || return 1
    sleep 1
    waited=$((waited + 1))
  done
  return 1
}

# One RESULT line, reading $1 ($2: seconds after "up", or "gc"): memory of $pid and the V8 heap
# from heap-probe.cjs's answer number $3. Its third answer comes after a full GC: the heap first.
sample() {
  [ "$3" -lt 3 ] || ask_heap "$3"
  rss="$(status_kb "$pid" VmRSS)"
  anon="$(status_kb "$pid" RssAnon)"
  file="$(status_kb "$pid" RssFile)"
  shmem="$(status_kb "$pid" RssShmem)"
  [ "$3" -ge 3 ] || ask_heap "$3"
  echo "RESULT case=$1 at_s=$2 up_s=$up_s vmrss_kb=$rss anon_kb=$anon file_kb=$file shmem_kb=$shmem $heap"
}

ask_heap() {
  kill -USR2 "$pid"
  heap='heap_used=? heap_total=? external=?'
  if wait_for "$pid" "$log" "^HEAP#$1 " 120; then heap="$(grep "^HEAP#$1 " "$log" | cut -d' ' -f2-)"; fi
  # After the GC, a moment for freed pages to leave the process.
  [ "$1" -lt 3 ] || sleep 2
}

run_case() {
  name="$1"
  plugins="$2"
  log="$IDLE_TMP/$name.log"
  data="$IDLE_TMP/$name.data"
  rm -rf "$data" && mkdir -p "$data"
  started="$(uptime_s)"
  if [ "$plugins" = bare ]; then
    node -e 'setInterval(()=>{},1e6); console.log("up")' >"$log" 2>&1 &
    marker='^up$'
  else
    LOOP_PLUGINS="$plugins" LOOP_DATA_DIR="$data" LOOP_HTTP_HOST=127.0.0.1 LOOP_HTTP_PORT="$IDLE_HTTP_PORT" \
      LOOP_MQTT_HOST=127.0.0.1 LOOP_MQTT_PORT="$IDLE_MQTT_PORT" LOOP_LOG_LEVEL=info \
      "$LOOP_APP/bin/loop.js" start >"$log" 2>&1 &
    marker='Loop is up'
  fi
  pid=$!
  if ! wait_for "$pid" "$log" "$marker" "$up_timeout"; then
    if alive "$pid"; then why="no \"$marker\" within $up_timeout s"; else why="exited before \"$marker\""; fi
    echo "FAIL case=$name: $why; its output:"
    tail -n 20 "$log" | sed 's/^/FAIL | /'
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
  fi
  up_s="$(echo "$(uptime_s) $started" | awk '{ printf "%.1f", $1 - $2 }')"
  sleep "$settle"
  sample "$name" "$settle" 1
  sleep $((late - settle))
  sample "$name" "$late" 2
  sample "$name" gc 3
  kill -TERM "$pid"
  # A TCG guest may take a while to shut Loop down; never longer than a minute.
  waited=0
  while alive "$pid" && [ "$waited" -lt 60 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$data"
  return 0
}

failed=0
for spec in $IDLE_CASES; do
  # One more try for a case that did not come up (its output is shown above): a run of 20 minutes or
  # more should not be lost to one start.
  run_case "${spec%%=*}" "${spec#*=}" || run_case "${spec%%=*}" "${spec#*=}" || failed=1
done
exit "$failed"
