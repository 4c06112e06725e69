// A Loop running system + wifi on the nmcli stand-in (test/fixtures/nmcli), watched as the page and
// Home Assistant watch it: an MQTT client on `wifi/#` and a WebSocket client in the wifi room.
import type { WifiState } from '../../core/protocol/index.js';
import type { FakeNm } from '../fixtures/nmcli/state.js';
import { NMCLI } from '../fixtures/nmcli/state.js';
import { http, removeDir, startTestLoop, type TestLoop } from './loop.js';
import { connectMqtt, type TestMqtt } from './mqtt.js';
import { connectWs, ofType, type TestWs } from './ws.js';

export interface WifiWatch {
  loop: TestLoop;
  mqtt: TestMqtt;
  ws: TestWs;
  nm: FakeNm;
  stop(): Promise<void>;
}

/** A Loop running system + wifi on the stand-in, an MQTT client on `wifi/#` and a ws client in the wifi room. */
export async function startWifiLoop(
  nm: FakeNm,
  wifi: Record<string, unknown> = {},
  plugins = ['system', 'wifi'],
  extra: Record<string, unknown> = {},
): Promise<WifiWatch> {
  process.env.NMCLI_STATE = nm.file;
  const loop = await startTestLoop({
    plugins,
    wifi: { nmcli_path: NMCLI, fallback_seconds: 0.5, retry_seconds: 0.5, connect_timeout_seconds: 5, scan_cache_seconds: 0, ...wifi },
    ...extra,
  });
  const mqtt = await connectMqtt(loop.mqtt as string);
  await mqtt.subscribe(`${loop.baseTopic}/wifi/#`);
  await mqtt.subscribe(`${loop.baseTopic}/wifi`);
  const ws = await connectWs(loop.ws);
  ws.send({ type: 'subscribe', room: 'wifi' });
  await ws.next(ofType('subscribe_response'));
  return {
    loop,
    mqtt,
    ws,
    nm,
    stop: async () => {
      await ws.close();
      await mqtt.end();
      await loop.stop();
      removeDir(loop.dataDir);
    },
  };
}

export interface Marks {
  mqtt: number;
  ws: number;
}
export const marks = (w: WifiWatch): Marks => ({ mqtt: w.mqtt.mark(), ws: w.ws.mark() });

/** Waits until both the retained MQTT topic and the wifi room have shown (since `at`) a state that matches. */
export async function seen(
  w: WifiWatch,
  pred: (s: WifiState) => boolean,
  what: string,
  at: Marks = { mqtt: 0, ws: 0 },
  timeoutMs = 45_000,
): Promise<WifiState> {
  const m = await w.mqtt
    .next((x) => x.topic === `${w.loop.baseTopic}/wifi` && pred(x.json as WifiState), timeoutMs, at.mqtt)
    .catch(() => {
      throw new Error(
        `MQTT never showed ${what}; last: ${JSON.stringify(w.mqtt.received.filter((x) => x.topic.endsWith('/wifi')).at(-1)?.json)}`,
      );
    });
  await w.ws
    .next(
      ofType('wifi_status_changed', (e) => pred(e.data as WifiState)),
      timeoutMs,
      at.ws,
    )
    .catch(() => {
      throw new Error(`the wifi room never showed ${what}`);
    });
  return m.json as WifiState;
}

export const wifiApi = (w: WifiWatch, method: string, path: string, body?: unknown) => http(method, `${w.loop.http}${path}`, body);
