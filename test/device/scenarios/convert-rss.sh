# shellcheck shell=bash
# Sourced by first-hour.sh (lib.sh's helpers, Loop running, $TOKEN set): one 1080p clip made here
# with ffmpeg's testsrc, uploaded and converted while Loop plays; the peak RSS of Loop, mpv and the
# conversion's ffmpeg, sampled every half second, and no OOM kill in the kernel's log.
convert_rss_step() {
  local slug t peak_loop=0 peak_mpv=0 peak_ffmpeg=0 seen_ffmpeg=0 kib pid
  ffmpeg -v error -f lavfi -i "testsrc2=s=1920x1080:r=30:d=8" -c:v libx264 -preset ultrafast -pix_fmt yuv420p /root/testsrc-1080p.mp4
  t=$(date +%s.%N)
  slug=$(api -m 120 -F "file=@/root/testsrc-1080p.mp4;type=video/mp4" http://127.0.0.1/api/media | grep -o '"slug":"[^"]*"' | head -1 | cut -d'"' -f4)
  [ -n "$slug" ] || { result rss fail "the 1080p upload was refused"; return 1; }
  # Until the library says completed or failed; or, should it not answer for the slug (a 404 was
  # seen once), 30 s after the last ffmpeg ended.
  local deadline=$(($(date +%s) + 900)) quiet_since=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kib=$(rss_kib "$(main_pid)"); [ "$kib" -gt "$peak_loop" ] && peak_loop=$kib
    pid=$(pgrep -u loop -x mpv | head -1); kib=$(rss_kib "${pid:-0}"); [ "$kib" -gt "$peak_mpv" ] && peak_mpv=$kib
    for pid in $(pgrep -u loop -x ffmpeg); do
      seen_ffmpeg=1; quiet_since=0; kib=$(rss_kib "$pid"); [ "$kib" -gt "$peak_ffmpeg" ] && peak_ffmpeg=$kib
    done
    if [ "$seen_ffmpeg" = 1 ] && ! pgrep -u loop -x ffmpeg >/dev/null; then
      [ "$quiet_since" = 0 ] && quiet_since=$(date +%s)
      [ $(($(date +%s) - quiet_since)) -ge 30 ] && break
    fi
    api "http://127.0.0.1/api/media/$slug" 2>/dev/null | grep -q '"processing_status":"\(completed\|failed\)"' && break
    sleep 0.5
  done
  local status oom
  status=$(api "http://127.0.0.1/api/media/$slug" | grep -o '"processing_status":"[^"]*"' | cut -d'"' -f4)
  oom=$(journalctl -k -b --no-pager | grep -i -m3 'oom\|out of memory')
  local figures
  figures="{\"loop_rss_kib\":$peak_loop,\"mpv_rss_kib\":$peak_mpv,\"ffmpeg_rss_kib\":$peak_ffmpeg,\"convert_1080p_s\":$(since "$t"),\"mem_total_kib\":$(awk '/MemTotal/ {print $2}' /proc/meminfo),\"load1\":$(load1)}"
  if [ "$status" = completed ] && [ "$seen_ffmpeg" = 1 ] && [ -z "$oom" ]; then
    result rss ok "1080p clip converted; peak RSS Loop ${peak_loop} KiB, mpv ${peak_mpv} KiB, ffmpeg ${peak_ffmpeg} KiB; no OOM kill" "$figures"
  else
    result rss fail "conversion $status (ffmpeg seen: $seen_ffmpeg); OOM: ${oom:-none}" "$figures"
  fi
}
