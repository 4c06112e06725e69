#!/usr/bin/env bash
# Installs Loop on Raspberry Pi OS (Bookworm or Trixie) as a hardened systemd service, or upgrades
# it (run it again), or removes it (--uninstall). Idempotent. Every file it writes comes from
# deploy/ (data files); every action is printed, and --dry-run prints them without doing any.
# docs/install.md is the walk-through for people; `install.sh --help` lists the options.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEPLOY="$SRC/deploy"
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19
# polkitd: NetworkManager asks it whether the loop user may change WiFi (the rule in deploy/polkit).
# libheif-examples: heif-convert decodes iPhone HEIC photos (Bookworm's ffmpeg 5.1 cannot read HEIF).
PACKAGES=(mpv ffmpeg network-manager avahi-daemon polkitd libheif-examples)
GROUPS_WANTED=(video render audio netdev gpio spi)
HOTSPOT_ADDRESS=192.168.100.1

usage() {
  cat <<'EOF'
Usage: sudo ./install.sh [options]

Installs (or upgrades) Loop as the systemd service `loop`: the app in /opt/loop, the config in
/etc/loop/config.yaml (never overwritten), media and state in /var/lib/loop.

Options:
  --dry-run          Print every action, change nothing
  --yes              Answer yes to questions (the config.txt change of --panel)
  --panel ili9341    Also add the ILI9341 SPI panel's overlay to the boot config.txt (backup kept)
  --uninstall        Remove Loop; keeps /etc/loop and /var/lib/loop (media, state)
  --purge            With --uninstall: also remove the config, the media and the loop user
  --dev              Development set-up in place, on any Debian: system packages, npm ci, build
  --root DIR         Install into DIR instead of / (tests, images): no packages, no user,
                     no systemctl; those steps are printed as skipped
  --help             This help

Upgrading is running it again: the new version is prepared beside the old one, which keeps
running if anything fails; the service restarts once.
EOF
}

DRY=0 YES=0 UNINSTALL=0 PURGE=0 DEV=0 PANEL="" ROOT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --dry-run) DRY=1 ;;
    --yes|-y) YES=1 ;;
    --uninstall) UNINSTALL=1 ;;
    --purge) PURGE=1 ;;
    --dev) DEV=1 ;;
    --panel) PANEL="${2:-}"; shift ;;
    --panel=*) PANEL="${1#--panel=}" ;;
    --root) ROOT="${2:-}"; shift ;;
    --root=*) ROOT="${1#--root=}" ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }
# Every change goes through act (a command) or the file helpers below, so --dry-run can list it.
act() {
  echo "  + $*"
  [ "$DRY" -eq 1 ] || "$@"
}
skip() { echo "  - skipped ($1): ${*:2}"; }

if [ -n "$PANEL" ] && [ "$PANEL" != "ili9341" ]; then die "unknown panel '$PANEL' (known: ili9341)"; fi
if [ "$PURGE" -eq 1 ] && [ "$UNINSTALL" -eq 0 ]; then die "--purge goes with --uninstall"; fi
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || die "--root $ROOT: no such directory"
  ROOT="$(cd "$ROOT" && pwd)"
  [ "$ROOT" != "/" ] || ROOT=""
fi
if [ "$DRY" -eq 0 ] && [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo ./install.sh), or with --dry-run to see what it would do"
fi

APP="$ROOT/opt/loop"
STAGE="$ROOT/opt/loop.new"
OLD="$ROOT/opt/loop.old"
ETC="$ROOT/etc/loop"
CONFIG="$ETC/config.yaml"
DATA="$ROOT/var/lib/loop"
UNIT="$ROOT/etc/systemd/system/loop.service"
DROPIN_DIR="$ROOT/etc/systemd/system/loop.service.d"
DROPIN="$DROPIN_DIR/port.conf"
POLKIT="$ROOT/etc/polkit-1/rules.d/50-loop-networkmanager.rules"
NM_POWERSAVE="$ROOT/etc/NetworkManager/conf.d/loop-wifi-powersave.conf"
NM_CAPTIVE="$ROOT/etc/NetworkManager/dnsmasq-shared.d/loop-captive-dns.conf"
AVAHI_HTTP="$ROOT/etc/avahi/services/loop-http.service"
AVAHI_MQTT="$ROOT/etc/avahi/services/loop-mqtt.service"
# Files install.sh owns outright: uninstall removes exactly these (and the app directory).
OWNED_FILES=("$UNIT" "$DROPIN" "$POLKIT" "$NM_POWERSAVE" "$NM_CAPTIVE" "$AVAHI_HTTP" "$AVAHI_MQTT" "$CONFIG.new")
PANEL_BEGIN="# >>> Loop panel (install.sh; removed by install.sh --uninstall)"
PANEL_END="# <<< Loop panel"

TMP="$(mktemp -d)"
STAGING=0
# A run that stops half-way leaves no half-made app behind; the installed one is untouched.
trap 'rm -rf "$TMP"; if [ "$STAGING" -eq 1 ] && [ "$DRY" -eq 0 ]; then rm -rf "$STAGE"; fi' EXIT
CHANGED_NM=0

systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }
why_no_systemd() { if [ -n "$ROOT" ]; then echo "--root"; else echo "systemd is not running"; fi; }
loop_user_exists() { [ -z "$ROOT" ] && getent passwd loop >/dev/null 2>&1; }

# put SRC DEST MODE [OWNER:GROUP]: write DEST atomically (temp file + rename) when it differs.
put() {
  local src="$1" dest="$2" mode="$3" owner="${4:-}"
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    echo "  = $dest (unchanged)"
    return 1
  fi
  echo "  + write $dest (mode $mode${owner:+, $owner})"
  [ "$DRY" -eq 1 ] && return 0
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$src" "$dest.loop-tmp"
  if [ -n "$owner" ] && loop_user_exists; then chown "$owner" "$dest.loop-tmp"; fi
  mv -f "$dest.loop-tmp" "$dest"
}

# remove_file PATH: remove one file install.sh wrote, if it is there.
remove_file() {
  if [ -e "$1" ] || [ -L "$1" ]; then act rm -f "$1"; fi
}

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e "const [a,b]=process.versions.node.split('.').map(Number);process.exit(a>$NODE_MIN_MAJOR||(a===$NODE_MIN_MAJOR&&b>=$NODE_MIN_MINOR)?0:1)"
}

node_help() {
  local have="none"
  command -v node >/dev/null 2>&1 && have="$(node -v)"
  cat >&2 <<EOF
install.sh: Loop needs Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR with npm (found: $have).
  - Raspberry Pi OS Trixie: sudo apt-get install nodejs npm   (Debian 13 ships Node 20.19)
  - Raspberry Pi OS Bookworm ships Node 18, too old: install Node 20 or 22 LTS from
    https://github.com/nodesource/distributions (apt repository, arm64 and armhf), or unpack an
    official build from https://nodejs.org/en/download into /usr/local, then run install.sh again.
EOF
  exit 1
}

apt_install() {
  if [ -n "$ROOT" ]; then skip "--root" "apt-get install $*"; return; fi
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install $* yourself, then run install.sh again"
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "  = packages present: $*"; return; fi
  act env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  act env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_node() {
  say "Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR"
  if node_ok && command -v npm >/dev/null 2>&1; then echo "  = node $(node -v), npm $(npm -v)"; return; fi
  if [ -z "$ROOT" ] && command -v apt-cache >/dev/null 2>&1; then
    local cand
    cand="$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [[ "$cand" =~ ^([0-9]+:)?([0-9]+)\.([0-9]+) ]] &&
      { [ "${BASH_REMATCH[2]}" -gt "$NODE_MIN_MAJOR" ] || { [ "${BASH_REMATCH[2]}" -eq "$NODE_MIN_MAJOR" ] && [ "${BASH_REMATCH[3]}" -ge "$NODE_MIN_MINOR" ]; }; }; then
      apt_install nodejs npm
      [ "$DRY" -eq 1 ] || { node_ok || node_help; }
      return
    fi
  fi
  [ "$DRY" -eq 1 ] && { echo "  ! Node.js missing or too old: a real run stops here" >&2; return; }
  node_help
}

ensure_user() {
  say "The loop system user"
  if [ -n "$ROOT" ]; then
    skip "--root" "useradd --system loop; usermod -aG ${GROUPS_WANTED[*]} loop (where the groups exist)"
    return
  fi
  if getent passwd loop >/dev/null 2>&1; then
    echo "  = user loop exists"
  else
    act useradd --system --user-group --home-dir /var/lib/loop --no-create-home --shell /usr/sbin/nologin loop
  fi
  local g have
  have=" $(id -nG loop 2>/dev/null || true) "
  for g in "${GROUPS_WANTED[@]}"; do
    getent group "$g" >/dev/null 2>&1 || continue
    case "$have" in *" $g "*) ;; *) act usermod -aG "$g" loop ;; esac
  done
}

# dist/ is compiled from the TypeScript sources; a release tarball carries it, a git checkout builds it.
ensure_built() {
  say "Compiled app (dist/)"
  local stale=""
  if [ ! -f "$SRC/dist/app/main.js" ]; then
    stale="dist/ is missing"
  elif [ -f "$SRC/dist/.tsbuildinfo" ] && [ -n "$(find "$SRC/app" "$SRC/core" "$SRC/plugins" -name '*.ts' -newer "$SRC/dist/.tsbuildinfo" -print -quit 2>/dev/null)" ]; then
    stale="sources are newer than dist/"
  fi
  if [ -z "$stale" ]; then echo "  = dist/ is up to date"; return; fi
  [ -f "$SRC/tsconfig.json" ] || die "$stale and there are no sources to build it from: use a complete release"
  echo "  ! $stale: building it (needs the build set; slow on a Pi Zero, quicker on a bigger machine)"
  act node "$SRC/scripts/ensure-built.js"
}

stage_app() {
  say "The app, prepared in $STAGE (the running version stays until it is complete)"
  if [ ! -f "$SRC/web/dist/index.html" ]; then
    echo "  ! web/dist is missing: the page will not be served (build it with the web's npm run build on a" >&2
    echo "    bigger machine, or use a release tarball; a Pi Zero must not build it). The API works without it." >&2
  fi
  act rm -rf "$STAGE"
  STAGING=1
  act mkdir -p "$STAGE/dist" "$STAGE/docs"
  # install.sh and deploy/ go along, so `sudo /opt/loop/install.sh --uninstall` works without the sources.
  act cp -R "$SRC/bin" "$SRC/config" "$SRC/deploy" "$SRC/install.sh" "$SRC/package.json" "$SRC/package-lock.json" "$STAGE/"
  act cp -R "$SRC/dist/app" "$SRC/dist/core" "$SRC/dist/plugins" "$STAGE/dist/"
  # The page's modules the server imports too (web/src/paths.js: the page's view paths, via app/parts.js).
  act mkdir -p "$STAGE/dist/web" && act cp -R "$SRC/dist/web/src" "$STAGE/dist/web/"
  if [ -d "$SRC/web/dist" ]; then act mkdir -p "$STAGE/web" && act cp -R "$SRC/web/dist" "$STAGE/web/"; fi
  if [ -f "$SRC/docs/install.md" ]; then act cp "$SRC/docs/install.md" "$STAGE/docs/"; fi
  [ "$DRY" -eq 1 ] || find "$STAGE/dist" -name '*.map' -delete
  # Runtime dependencies only: the page's build set (optionalDependencies: the compiler, vite, vue)
  # is for building web/dist and dist/, which the stage copies already built.
  echo "  + (cd $STAGE && npm ci --omit=dev --omit=optional)"
  [ "$DRY" -eq 1 ] && return
  if ! (cd "$STAGE" && npm ci --omit=dev --omit=optional --prefer-offline --no-audit --no-fund --loglevel=error); then
    die "npm ci failed: nothing was changed, the installed version (if any) is still in place"
  fi
  chmod -R u=rwX,go=rX "$STAGE"
}

# Ports and hotspot of the effective config (the installed app's loader: defaults +
# /etc/loop/config.yaml), as "HTTP MQTT ADDRESS SSID" where MQTT is "-" when no embedded broker
# listens, ADDRESS is the hotspot's address and SSID (last: it may hold spaces) the hotspot's name.
read_ports() {
  local app="$1" cfg="$2" out
  if [ -f "$app/dist/app/config.js" ] && [ -d "$app/node_modules" ] && [ -f "$cfg" ]; then
    if out="$(node --input-type=module -e "
      const { loadLoopConfig } = await import(process.argv[1]);
      const c = loadLoopConfig({ file: process.argv[2], env: {} }).config;
      const m = c.mqtt.url === null && c.mqtt.listen ? c.mqtt.port : '-';
      const h = c.wifi.hotspot;
      console.log([c.http.port, m, h.address.split('/')[0], h.ssid.replace(/[\\r\\n]/g, ' ')].join(' '));" "$app/dist/app/config.js" "$cfg" 2>"$TMP/ports.err")"; then
      echo "$out"
      return
    fi
    echo "  ! $cfg does not load ($(head -c 300 "$TMP/ports.err")); assuming ports 80 and 1883" >&2
  fi
  echo "80 1883 $HOTSPOT_ADDRESS LOOP-Setup"
}

install_config() {
  say "Config $CONFIG and data $DATA"
  if [ ! -d "$ETC" ]; then act mkdir -p "$ETC"; fi
  act chmod 0750 "$ETC"
  if [ ! -f "$CONFIG" ]; then
    put "$DEPLOY/config.yaml" "$CONFIG" 0640 root:loop || true
  elif cmp -s "$DEPLOY/config.yaml" "$CONFIG"; then
    echo "  = $CONFIG (the default, unchanged)"
    remove_file "$CONFIG.new"
  else
    echo "  = $CONFIG kept (yours); the current default goes beside it"
    put "$DEPLOY/config.yaml" "$CONFIG.new" 0640 root:loop || true
  fi
  if [ ! -d "$DATA" ]; then act mkdir -p "$DATA"; fi
  act chmod 0700 "$DATA"
  if loop_user_exists || { [ -z "$ROOT" ] && [ "$DRY" -eq 1 ]; }; then
    act chown loop:loop "$DATA"
    act chown root:loop "$ETC"
  else
    skip "no loop user${ROOT:+ under --root}" "chown loop:loop $DATA"
  fi
}

install_system_files() {
  local http="$1" mqtt="$2"
  say "Service, polkit rule, NetworkManager and Avahi files"
  put "$DEPLOY/loop.service" "$UNIT" 0644 || true
  if [ "$http" -lt 1024 ] || { [ "$mqtt" != "-" ] && [ "$mqtt" -lt 1024 ]; }; then
    put "$DEPLOY/port.conf" "$DROPIN" 0644 || true
  else
    remove_file "$DROPIN"
  fi
  put "$DEPLOY/polkit/50-loop-networkmanager.rules" "$POLKIT" 0644 || true
  put "$DEPLOY/networkmanager/loop-wifi-powersave.conf" "$NM_POWERSAVE" 0644 && CHANGED_NM=1
  put "$DEPLOY/networkmanager/loop-captive-dns.conf" "$NM_CAPTIVE" 0644 && CHANGED_NM=1
  # The Avahi files carry the configured ports (mDNS design: docs/install.md).
  sed "s/@HTTP_PORT@/$http/" "$DEPLOY/avahi/loop-http.service" >"$TMP/loop-http.service"
  put "$TMP/loop-http.service" "$AVAHI_HTTP" 0644 || true
  if [ "$mqtt" != "-" ]; then
    sed "s/@MQTT_PORT@/$mqtt/" "$DEPLOY/avahi/loop-mqtt.service" >"$TMP/loop-mqtt.service"
    put "$TMP/loop-mqtt.service" "$AVAHI_MQTT" 0644 || true
  else
    remove_file "$AVAHI_MQTT"
  fi
}

boot_config() {
  local c
  for c in "$ROOT/boot/firmware/config.txt" "$ROOT/boot/config.txt"; do
    if [ -f "$c" ]; then echo "$c"; return; fi
  done
}

# Asked before anything changes, so a "no" (or no terminal) leaves the system as it was.
PANEL_CFG="" PANEL_APPLY=0
plan_panel() {
  say "Panel $PANEL: overlay in config.txt"
  local block="$DEPLOY/panels/$PANEL.txt"
  PANEL_CFG="$(boot_config)"
  [ -n "$PANEL_CFG" ] || die "no config.txt under ${ROOT:-/}boot/firmware or ${ROOT:-/}boot: is this a Raspberry Pi?"
  if grep -qF "$PANEL_BEGIN" "$PANEL_CFG"; then echo "  = $PANEL_CFG already has Loop's panel block"; return; fi
  { echo "$PANEL_BEGIN"; cat "$block"; echo "$PANEL_END"; } >"$TMP/panel"
  echo "  These lines will be added to $PANEL_CFG (backup: $PANEL_CFG.loop-backup):"
  sed 's/^/    /' "$TMP/panel"
  if [ "$DRY" -eq 0 ] && [ "$YES" -eq 0 ]; then
    local answer=""
    [ -t 0 ] || die "not asking without a terminal: run with --yes to change $PANEL_CFG"
    read -r -p "  Change $PANEL_CFG? [y/N] " answer
    case "$answer" in y|Y|yes) ;; *) echo "  - $PANEL_CFG will be left alone"; return ;; esac
  fi
  PANEL_APPLY=1
}

install_panel() {
  [ "$PANEL_APPLY" -eq 1 ] || return 0
  say "Panel $PANEL"
  act cp -p "$PANEL_CFG" "$PANEL_CFG.loop-backup"
  echo "  + append the block to $PANEL_CFG"
  [ "$DRY" -eq 1 ] || { cat "$PANEL_CFG" "$TMP/panel" >"$PANEL_CFG.loop-tmp" && mv -f "$PANEL_CFG.loop-tmp" "$PANEL_CFG"; }
  echo "  The panel works after a reboot; then set player.vo: drm (docs/install.md)."
}

# Stop, swap, start: the one restart of an upgrade, after everything new is in place.
swap_and_restart() {
  say "Switching to the new version"
  local was_running=0
  if systemd_running; then
    if systemctl is-active --quiet loop; then was_running=1; fi
    act systemctl daemon-reload
    if [ "$was_running" -eq 1 ]; then act systemctl stop loop; fi
  else
    skip "$(why_no_systemd)" "systemctl daemon-reload; systemctl stop loop"
  fi
  if [ -d "$APP" ] || [ "$DRY" -eq 1 ]; then act rm -rf "$OLD"; fi
  if [ -d "$APP" ]; then act mv "$APP" "$OLD"; fi
  act mv "$STAGE" "$APP"
  STAGING=0
  if systemd_running; then
    act systemctl enable loop
    # Type=notify: this returns once Loop sent READY=1, or fails if it did not start. Then the
    # previous version (kept in loop.old until now) goes back in place and runs again.
    if ! act systemctl restart loop; then
      journalctl -u loop -n 30 --no-pager >&2 || true
      if [ -d "$OLD" ]; then
        act systemctl stop loop || true
        act rm -rf "$APP"
        act mv "$OLD" "$APP"
        act systemctl restart loop || true
        die "the new version did not start (its log is above); the previous version is back in /opt/loop"
      fi
      die "the service did not start (its last log lines are above; journalctl -u loop)"
    fi
    act rm -rf "$OLD"
    if [ "$CHANGED_NM" -eq 1 ] && systemctl is-active --quiet NetworkManager; then
      act systemctl reload NetworkManager
    fi
  elif [ -z "$ROOT" ] && command -v systemctl >/dev/null 2>&1; then
    # A chroot or an image being built: enabling works offline; it starts at the next boot.
    act rm -rf "$OLD"
    act systemctl enable loop
    skip "systemd is not running" "systemctl restart loop"
  else
    act rm -rf "$OLD"
    skip "$(why_no_systemd)" "systemctl enable loop; systemctl restart loop"
  fi
}

where_to_open() {
  local http="$1" hotspot_address="$2" hotspot_ssid="$3" suffix="" ips="" ip host
  [ "$http" = "80" ] || suffix=":$http"
  host="$(hostname 2>/dev/null || echo loop)"
  ips="$(hostname -I 2>/dev/null || true)"
  echo
  if [ -n "$ROOT" ]; then
    echo "Loop is installed under $ROOT (not started: --root)."
  elif ! systemd_running; then
    echo "Loop is installed, not started: systemd is not running here (it starts at the next boot)."
  elif [ -n "${ips// /}" ]; then
    echo "Loop is running. Open its page from a phone or computer on this network:"
    echo "  http://$host.local$suffix/"
    for ip in $ips; do
      case "$ip" in *:*) ;; *) echo "  http://$ip$suffix/" ;; esac
    done
  else
    echo "Loop is running, but this device has no network yet. In a minute it opens its setup hotspot:"
    echo "  join the WiFi network \"$hotspot_ssid\" and open http://$hotspot_address$suffix/ (a phone shows it by itself)."
  fi
  show_setup_code
  echo "Logs: journalctl -u loop -f    Config: /etc/loop/config.yaml    Guide: /opt/loop/docs/install.md"
}

# The setup code that claims the device and the setup hotspot's password, for a device without a
# screen (one with a screen shows both on its idle card). The installed CLI reads (or makes) them in
# the data dir, as root giving the files to the data dir's owner; they are never in a log.
show_setup_code() {
  local show="sudo -u loop /opt/loop/bin/loop.js setup-code --config /etc/loop/config.yaml"
  if [ "$DRY" -eq 1 ]; then echo "  + $show"; return; fi
  if [ ! -x "$APP/bin/loop.js" ]; then return; fi
  echo
  if ! LOOP_DATA_DIR="$DATA" "$APP/bin/loop.js" setup-code --config "$CONFIG"; then
    echo "  ! the setup code could not be read; later: $show" >&2
    return
  fi
  echo "Shown again later by: $show"
}

do_install() {
  [ "$DRY" -eq 1 ] && say "Dry run: nothing below is done"
  if [ -n "$PANEL" ]; then plan_panel; fi
  ensure_node
  say "System packages"
  apt_install "${PACKAGES[@]}"
  # Trixie's libheif loads its HEVC decoder as a plugin (only recommended, and recommends are not
  # installed); Bookworm's has it built in and knows no such package.
  if [ -z "$ROOT" ] && apt-cache show libheif-plugin-libde265 >/dev/null 2>&1; then apt_install libheif-plugin-libde265; fi
  ensure_user
  if [ "$DRY" -eq 1 ]; then say "Compiled app (dist/)"; echo "  + build dist/ if missing or older than the sources"; else ensure_built; fi
  stage_app
  install_config
  local ports http mqtt hotspot_address hotspot_ssid
  if [ "$DRY" -eq 1 ]; then ports="$(read_ports "$SRC" "${CONFIG}")"; else ports="$(read_ports "$STAGE" "$CONFIG")"; fi
  [ -f "$CONFIG" ] || ports="$(read_ports "$SRC" "$DEPLOY/config.yaml")"
  read -r http mqtt hotspot_address hotspot_ssid <<<"$ports"
  install_system_files "$http" "$mqtt"
  install_panel
  swap_and_restart
  where_to_open "$http" "$hotspot_address" "$hotspot_ssid"
}

do_uninstall() {
  [ "$DRY" -eq 1 ] && say "Dry run: nothing below is done"
  say "Removing Loop"
  if systemd_running; then
    if systemctl is-enabled --quiet loop 2>/dev/null || systemctl is-active --quiet loop; then
      act systemctl disable --now loop
    fi
  else
    skip "$(why_no_systemd)" "systemctl disable --now loop"
  fi
  local f
  for f in "${OWNED_FILES[@]}"; do remove_file "$f"; done
  if [ -d "$DROPIN_DIR" ] && [ -z "$(ls -A "$DROPIN_DIR")" ]; then act rmdir "$DROPIN_DIR"; fi
  for f in "$APP" "$STAGE" "$OLD"; do
    if [ -e "$f" ]; then act rm -rf "$f"; fi
  done
  local cfg
  cfg="$(boot_config)"
  if [ -n "$cfg" ] && grep -qF "$PANEL_BEGIN" "$cfg"; then
    echo "  + remove Loop's panel block from $cfg"
    if [ "$DRY" -eq 0 ]; then
      awk -v b="$PANEL_BEGIN" -v e="$PANEL_END" '$0 == b {cut = 1} !cut {print} $0 == e {cut = 0}' "$cfg" >"$cfg.loop-tmp"
      mv -f "$cfg.loop-tmp" "$cfg"
    fi
  fi
  if [ "$PURGE" -eq 1 ]; then
    if [ -e "$ETC" ]; then act rm -rf "$ETC"; fi
    if [ -e "$DATA" ]; then act rm -rf "$DATA"; fi
    if loop_user_exists; then act userdel loop; elif [ -n "$ROOT" ]; then skip "--root" "userdel loop"; fi
  else
    echo "  = kept: $ETC (config) and $DATA (media, state); --uninstall --purge removes them"
  fi
  if systemd_running; then act systemctl daemon-reload; fi
  say "Loop is removed (the Debian packages ${PACKAGES[*]} stay)"
}

do_dev() {
  say "Development set-up in $SRC"
  [ "$DRY" -eq 1 ] && { echo "  + bash scripts/setup.sh test; node scripts/ensure-built.js --dev"; return; }
  node_ok || node_help
  bash "$SRC/scripts/setup.sh" test
  node "$SRC/scripts/ensure-built.js" --dev
  say "Ready: npm start (http://localhost:8080), npm test"
}

if [ "$DEV" -eq 1 ]; then do_dev
elif [ "$UNINSTALL" -eq 1 ]; then do_uninstall
else do_install
fi
