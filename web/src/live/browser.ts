// The browser side of the live connection: WebSocket and fetch adapters, the URLs of this origin,
// and the network's online/offline events. One connection for the whole page.
import { LiveConnection, type SocketFactory } from './connection.js';

const browserSocket: SocketFactory = (url, h) => {
  const ws = new WebSocket(url);
  ws.onopen = () => h.open();
  ws.onmessage = (ev: MessageEvent) => {
    if (typeof ev.data === 'string') h.message(ev.data);
  };
  ws.onclose = (ev: CloseEvent) => h.close(ev.code, ev.reason);
  // An error is always followed by close, which is where the reconnect is decided.
  ws.onerror = () => undefined;
  return { send: (d) => ws.send(d), close: (code, reason) => ws.close(code, reason) };
};

export function createBrowserConnection(onUnauthorized: () => void): LiveConnection {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const conn = new LiveConnection({
    // The contract's shapes (docs/websocket.md); without the flag /ws speaks the first version's.
    wsUrl: `${scheme}//${location.host}/ws?shapes=contract`,
    httpBase: '',
    createSocket: browserSocket,
    fetch: (url, init) => fetch(url, init),
    isOnline: () => navigator.onLine,
    onUnauthorized,
  });
  addEventListener('online', () => conn.setOnline(true));
  addEventListener('offline', () => conn.setOnline(false));
  return conn;
}
