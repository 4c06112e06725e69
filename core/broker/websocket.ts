// MQTT over WebSocket at /mqtt: the same bounds as TCP (connection count checked before the
// handshake, packet size on the stream, and no WebSocket message larger than one packet).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { EmbeddedBroker } from './embedded.js';

export interface MqttWebSocket {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export function mqttOverWebSocket(broker: EmbeddedBroker): MqttWebSocket {
  // A packet's header and the WebSocket frame's own few bytes fit; anything larger is refused by ws (1009).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: broker.maxPacketBytes + 16 });
  return {
    upgrade(req, socket, head) {
      if (!broker.acceptsConnection()) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => broker.handleOutside(createWebSocketStream(ws), req));
    },
    close() {
      wss.clients.forEach((ws) => ws.terminate());
    },
  };
}
