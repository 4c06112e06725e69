# shellcheck shell=bash
# Sourced by the scenarios after install (lib.sh's helpers, Loop running, not yet claimed): the
# first hour's WiFi on three mac80211_hwsim radios. wlan0 stays Loop's (NetworkManager's, in the
# root namespace); the "phone" (wpa_supplicant, dhcpcd, curl) and the "home" access point (hostapd
# WPA2, dnsmasq for DHCP) each get a radio in their own network namespace, so everything between
# them crosses the simulated air. Sets CLAIMED=1 when the phone claimed the device.
HOME_SSID=Home
HOME_PW=home-password-1
FALLBACK_S=15
PHONE_CTL=/run/wpa-phone
HOTSPOT_URL=http://192.168.100.1
phone() { ip netns exec phone "$@"; }
home() { ip netns exec home "$@"; }
wlan0_on() { nmcli -t -f DEVICE,STATE,CONNECTION device status | grep -qx "wlan0:connected:$1"; }
phone_joined() { phone wpa_cli -p "$PHONE_CTL" -i wlan1 status 2>/dev/null | grep -qx 'wpa_state=COMPLETED'; }
papi() { phone curl -sS -b /run/phone.cookies -H "Origin: $HOTSPOT_URL" "$@"; }
home_ap_up() { home hostapd -B -P /run/home-ap.pid /run/home-ap.conf >/dev/null; }
home_ap_down() { kill "$(cat /run/home-ap.pid)"; }

wifi_setup() {
  modprobe mac80211_hwsim radios=3 && wait_for 20 test -e /sys/class/net/wlan2 || return 1
  ip netns add phone && ip netns add home || return 1
  iw phy "$(basename "$(readlink -f /sys/class/net/wlan1/phy80211)")" set netns name phone || return 1
  iw phy "$(basename "$(readlink -f /sys/class/net/wlan2/phy80211)")" set netns name home || return 1
  home ip link set lo up && home ip link set wlan2 up && home ip addr add 192.168.50.1/24 dev wlan2
  printf 'interface=wlan2\ndriver=nl80211\nssid=%s\nhw_mode=g\nchannel=6\nwpa=2\nwpa_passphrase=%s\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\n' \
    "$HOME_SSID" "$HOME_PW" >/run/home-ap.conf
  home_ap_up || return 1
  home dnsmasq --port=0 --interface=wlan2 --bind-dynamic --dhcp-range=192.168.50.10,192.168.50.50,1h \
    --pid-file=/run/home-dnsmasq.pid --dhcp-leasefile=/run/home-dnsmasq.leases || return 1
  # Short delays for the test (defaults: 120 s each, every 5th retry blind). The installed config
  # (deploy/config.yaml) has no wifi section: a sed on it changed nothing, so the fallback waited its
  # default 120 s and the step's 135 s (counted from the AP going, 22 s before NetworkManager saw it)
  # ran out first; the journal showed the policy waiting for its 120 s.
  grep -q '^wifi:' /etc/loop/config.yaml && { echo "wifi-steps: /etc/loop/config.yaml has a wifi section already" >&2; return 1; }
  printf 'wifi:\n  fallback_seconds: %s\n  retry_seconds: 10\n  blind_retry_every: 2\n' "$FALLBACK_S" >>/etc/loop/config.yaml
  # Loop never opens the hotspot while a cable connects it: the cable (QEMU's user network, which
  # install.sh needed for npm) is unplugged, as on a Pi that only has WiFi.
  # (nmcli's own 10 s wait is too short for this guest under host load: NetworkManager finishes anyway.)
  ETH=$(nmcli -t -f DEVICE,TYPE device status | awk -F: '$2 == "ethernet" {print $1; exit}')
  [ -z "$ETH" ] && return 0
  nmcli -w 90 device disconnect "$ETH" >/dev/null
  wait_for 90 bash -c "nmcli -t -f DEVICE,STATE device status | grep -qx '$ETH:disconnected'"
}

wifi_steps() {
  CLAIMED=0 # read by the scenario that sources this
  export CLAIMED
  local t t_hot code pw dns addr page answer
  if ! wifi_setup; then result hotspot fail "WiFi set-up failed: $(iw dev 2>&1 | grep -c Interface) radios here; $(nmcli -t device status | tr '\n' ' ')"; return 1; fi
  nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device status >/mnt/out/nmcli-device-status.txt 2>&1
  t=$(date +%s.%N)
  systemctl restart loop
  if wait_for 300 wlan0_on loop-hotspot; then
    t_hot=$(date +%s.%N)
    result hotspot ok "no known network: LOOP-Setup up on wlan0" "{\"restart_to_hotspot_s\":$(since "$t"),\"load1\":$(load1)}"
  else
    result hotspot fail "no hotspot within 300 s: $(nmcli -t device status | tr '\n' ' ') $(journalctl -u loop -b --no-pager | grep -i wifi | tail -3)"
    return 1
  fi

  # The phone joins with the password on the screen (the device's own, from <data>/auth).
  pw=$(cat /var/lib/loop/auth/hotspot-password)
  mkdir -p /etc/netns/phone && : >/etc/netns/phone/resolv.conf
  printf 'ctrl_interface=%s\nnetwork={\n  ssid="LOOP-Setup"\n  psk="%s"\n  key_mgmt=WPA-PSK\n}\n' "$PHONE_CTL" "$pw" >/run/phone.conf
  phone ip link set lo up && phone ip link set wlan1 up
  phone wpa_supplicant -B -i wlan1 -c /run/phone.conf -P /run/phone-wpa.pid >/dev/null
  # dhcpcd's resolv.conf hook writes the lease's DNS server into the phone's own resolv.conf (ip
  # netns exec binds /etc/netns/phone/resolv.conf over /etc/resolv.conf).
  if wait_for 90 phone_joined && phone dhcpcd -4 -1 -A -L -t 60 wlan1 >/mnt/out/phone-dhcp.log 2>&1; then
    addr=$(sed -n 's/.*leased \([0-9.]*\) for.*/\1/p' /mnt/out/phone-dhcp.log | head -1)
    dns=$(awk '/^nameserver/ {print $2; exit}' /etc/netns/phone/resolv.conf)
    local via="the lease"
    if [ -z "$dns" ]; then
      dns=$(sed -n 's/.*offered [0-9.]* from \([0-9.]*\).*/\1/p' /mnt/out/phone-dhcp.log | head -1)
      via="the DHCP server (the hook wrote no resolv.conf)"
      echo "nameserver $dns" >/etc/netns/phone/resolv.conf
    fi
    if [ -n "$addr" ] && [ -n "$dns" ]; then
      result phone_join ok "joined LOOP-Setup with the screen's password, DHCP gave $addr, DNS $dns from $via" "{\"hotspot_to_address_s\":$(since "$t_hot")}"
    else
      result phone_join fail "joined, but DHCP: address '$addr', DNS '$dns': $(tail -3 /mnt/out/phone-dhcp.log)"
    fi
  else
    result phone_join fail "phone: $(phone wpa_cli -p "$PHONE_CTL" -i wlan1 status 2>&1 | tr '\n' ' ') $(tail -3 /mnt/out/phone-dhcp.log)"
    return 1
  fi
  # Captive DNS: any name is the device; its page answers a phone's connectivity check.
  answer=$(phone getent ahostsv4 connectivitycheck.gstatic.com | awk 'NR == 1 {print $1}')
  page=$(phone curl -sS -m 30 -L -o /run/phone-page.html -w '%{http_code} %{url_effective}' http://connectivitycheck.gstatic.com/generate_204)
  if [ "$answer" = 192.168.100.1 ] && [ "${page%% *}" = 200 ] && grep -q '<div id="app"' /run/phone-page.html; then
    result captive_page ok "connectivitycheck.gstatic.com is $answer; the page answered ($page)" "{\"hotspot_to_page_s\":$(since "$t_hot"),\"load1\":$(load1)}"
  else
    result captive_page fail "name resolved to '$answer', page: $page"
  fi

  # The owner claims the device from the phone with the code its screen shows.
  local code_file wrong right
  code_file=$(cat /var/lib/loop/auth/setup-code 2>/dev/null)
  claim_from_phone() { phone curl -sS -m 30 -c /run/phone.cookies -o /dev/null -w '%{http_code}' -H "Origin: $HOTSPOT_URL" \
    -H 'Content-Type: application/json' -d "{\"password\":\"testbed-owner-pw\",\"code\":\"$1\"}" "$HOTSPOT_URL/api/auth/onboard"; }
  wrong=$(claim_from_phone WRONGCOD)
  right=$(claim_from_phone "$code_file")
  if [ "$wrong" != 200 ] && [ "$right" = 200 ]; then
    CLAIMED=1
    result claim ok "from the phone over the hotspot: a wrong code answered $wrong, the screen's code 200"
  else
    result claim fail "from the phone: wrong code $wrong, right code $right"
  fi

  # Scan: the home network is in the list.
  papi -m 150 -o /run/phone-scan.json "$HOTSPOT_URL/api/wifi/scan"
  if grep -q "\"ssid\":\"$HOME_SSID\"" /run/phone-scan.json; then
    result wifi_scan ok "the phone's scan lists $(grep -o '"ssid":"[^"]*"' /run/phone-scan.json | sort -u | tr '\n' ' ')"
  else
    result wifi_scan fail "no $HOME_SSID in the scan: $(head -c 400 /run/phone-scan.json)"
  fi

  # A wrong password: said plainly, nothing saved, the hotspot returns. The phone loses the hotspot
  # while Loop tries, so its answer may not arrive: the state read afterwards carries the reason.
  t=$(date +%s.%N)
  code=$(papi -m 150 -o /run/phone-wrong.json -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"ssid\":\"$HOME_SSID\",\"password\":\"wrong-password-1\"}" "$HOTSPOT_URL/api/wifi/connect")
  wait_for 120 wlan0_on loop-hotspot && wait_for 90 phone_joined
  papi -m 60 -o /run/phone-status.json "$HOTSPOT_URL/api/wifi/status"
  nmcli -t -f NAME,TYPE connection show >/mnt/out/nmcli-connections-after-wrong.txt
  if grep -q '"reason":"wrong_password"' /run/phone-status.json /run/phone-wrong.json && ! grep -q "^$HOME_SSID:" /mnt/out/nmcli-connections-after-wrong.txt && wlan0_on loop-hotspot; then
    result wifi_wrong_password ok "answer $code; $(grep -o '"message":"Wrong password[^"]*"' /run/phone-status.json /run/phone-wrong.json | head -1 | cut -d: -f2-); no profile saved; hotspot back" "{\"wrong_to_hotspot_s\":$(since "$t")}"
  else
    journalctl -u loop -u NetworkManager -u wpa_supplicant --since "-200s" --no-pager >/mnt/out/wrong-password-journal.txt 2>&1
    result wifi_wrong_password fail "answer $code $(head -c 300 /run/phone-wrong.json); status $(head -c 300 /run/phone-status.json); profiles $(tr '\n' ' ' </mnt/out/nmcli-connections-after-wrong.txt)"
  fi

  # The right password: Loop leaves the hotspot and joins the home network.
  t=$(date +%s.%N)
  papi -m 150 -o /run/phone-right.json -H 'Content-Type: application/json' \
    -d "{\"ssid\":\"$HOME_SSID\",\"password\":\"$HOME_PW\"}" "$HOTSPOT_URL/api/wifi/connect" >/dev/null 2>&1 &
  local answer_pid=$!
  if wait_for 150 wlan0_on "$HOME_SSID" && wait_for 60 bash -c 'ip -4 -o addr show wlan0 | grep -q "inet 192\.168\.50\."'; then
    addr=$(ip -4 -o addr show wlan0 | awk '{print $4}' | cut -d/ -f1)
    if home curl -fsS -m 20 "http://$addr/api/health" >/dev/null; then
      result wifi_connect ok "joined $HOME_SSID as $addr, reachable from the home network; the hotspot is gone" "{\"connect_s\":$(since "$t")}"
    else
      result wifi_connect fail "joined $HOME_SSID as $addr but /api/health does not answer from the home network"
    fi
  else
    result wifi_connect fail "not on $HOME_SSID: $(nmcli -t device status | tr '\n' ' ')"
  fi
  # The phone's request lost its hotspot with the answer: nothing more to hear from it.
  kill "$answer_pid" "$(cat /run/phone-wpa.pid)" 2>/dev/null

  # The home network goes away: after fallback_seconds the hotspot is back; it returns: Loop rejoins.
  home_ap_down
  t=$(date +%s.%N)
  if wait_for $((FALLBACK_S + 120)) wlan0_on loop-hotspot; then
    result wifi_fallback ok "home AP gone: hotspot after $(since "$t") s (fallback_seconds $FALLBACK_S)" "{\"lost_to_hotspot_s\":$(since "$t")}"
  else
    journalctl -u loop -u NetworkManager --since "-$((FALLBACK_S + 180))s" --no-pager >/mnt/out/fallback-journal.txt 2>&1
    result wifi_fallback fail "no hotspot $((FALLBACK_S + 120)) s after the home AP went: $(nmcli -t device status | tr '\n' ' ')"
  fi
  home_ap_up
  t=$(date +%s.%N)
  if wait_for 240 wlan0_on "$HOME_SSID"; then
    result wifi_rejoin ok "home AP back: rejoined after $(since "$t") s, hotspot gone" "{\"back_to_rejoined_s\":$(since "$t")}"
  else
    result wifi_rejoin fail "not back on $HOME_SSID 240 s after the home AP returned: $(nmcli -t device status | tr '\n' ' ')"
  fi

  # avahi, seen from the home network's namespace: its own D-Bus and avahi-daemon in a private /run
  # (ip netns exec's own mount namespace), publishing nothing (no name to conflict with Loop's). It
  # browses for a fixed 20 s rather than with -t: -t ends at the daemon's "all for now", about a
  # second after a fresh daemon's first query, before a loaded guest's answer arrives (the one
  # earlier run found nothing); -k prints the raw service types (`_http._tcp`, not "Web Site"). The
  # daemon runs in the foreground so its log is kept (and `wait` names the two browsers: a bare
  # `wait` waited for the daemon too, for ever). Each browser writes its own file: together on one
  # pipe their lines were interleaved mid-line.
  local browse
  printf '[server]\nuse-ipv6=no\n[publish]\ndisable-publishing=yes\n' >/run/avahi-home.conf
  browse=$(home bash -c 'mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/dbus && mount -t tmpfs tmpfs /run/avahi-daemon &&
    dbus-daemon --system --fork && { avahi-daemon --no-chroot -f /run/avahi-home.conf >/mnt/out/avahi-home-daemon.log 2>&1 & d=$!; } &&
    sleep 3 && ip -4 -br addr >>/mnt/out/avahi-home-daemon.log &&
    { timeout 20 avahi-browse -rpk _http._tcp >/run/avahi-home-http & b1=$!; timeout 20 avahi-browse -rpk _mqtt._tcp >/run/avahi-home-mqtt & b2=$!;
      wait $b1 $b2; cat /run/avahi-home-http /run/avahi-home-mqtt; }; kill $d' 2>&1)
  echo "$browse" >/mnt/out/avahi-browse-home.txt
  if grep -q '^=.*;_http\._tcp;local;loop-dev\.local;192\.168\.50\.' <<<"$browse" && grep -q '^=.*;_mqtt\._tcp;local;loop-dev\.local;' <<<"$browse"; then
    result avahi_ns ok "from the home namespace: loop-dev.local with _http._tcp and _mqtt._tcp"
  else
    result avahi_ns fail "avahi-browse from the home namespace: $(head -c 500 <<<"$browse")"
  fi
  # The cable back in (later steps reinstall with npm).
  [ -z "$ETH" ] || nmcli device connect "$ETH" >/dev/null
}
