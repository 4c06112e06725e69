// MQTT over WebSocket at /mqtt: the same bounds as TCP (connection count checked before the
// handshake, packet size on the stream, and no WebSocket message larger than one packet).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { refuseUpgrade } from '../http/upgrade.js';
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
      if (!broker.acceptsConnection()) return refuseUpgrade(socket, 503, 'Service Unavailable', 'too many MQTT connections');
      wss.handleUpgrade(req, socket, head, (ws) => broker.handleOutside(createWebSocketStream(ws), req));
    },
    close() {
      wss.clients.forEach((ws) => ws.terminate());
    },
  };
}
