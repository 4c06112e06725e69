// WiFi (the `wifi` room) and its commands (core/protocol/wifi.ts). Until the wifi plugin runs
// (bridge/info), the view says so and nothing here is invented.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { WifiNetworks, WifiState } from '../../../core/protocol/index.js';
import { useLive } from './live.js';
import { useSystem } from './system.js';

export interface Network {
  ssid: string;
  signal: number | null;
  secured: boolean;
  in_use?: boolean;
}

/** Scan results as the wifi plugin publishes them (`wifi/networks`, the `scan` answer). */
function networksOf(data: WifiNetworks): Network[] {
  return data.networks.map((n) => ({ ssid: n.ssid, signal: n.signal, secured: n.secured, in_use: n.in_use }));
}

export const useWifi = defineStore('wifi', () => {
  const live = useLive();
  const system = useSystem();
  const state = ref<WifiState | null>(null);
  const networks = ref<Network[]>([]);
  const available = computed(() => system.running('wifi'));

  live.conn.subscribe('wifi');
  live.conn.on('wifi_status_changed', (s) => (state.value = s));
  live.conn.on('wifi_networks', (d) => (networks.value = networksOf(d)));

  async function scan(): Promise<void> {
    const data = await live.command('wifi', 'scan');
    if (data !== null) networks.value = networksOf(data);
  }
  const connect = (ssid: string, password: string) => live.command('wifi', 'connect', password ? { ssid, password } : { ssid });
  const forget = (ssid: string) => live.command('wifi', 'forget', { ssid });
  const hotspot = (active: boolean) => live.command('wifi', 'hotspot', { active });

  return { state, networks, available, scan, connect, forget, hotspot };
});
