// Bounds an MQTT byte stream while it arrives: reads each packet's fixed header (type byte and
// remaining length) and cuts the connection as soon as a header announces more than the limit,
// before Aedes' parser buffers the body (it would otherwise hold a forged 256 MB CONNECT).
// Installed by wrapping the stream's read(), which Aedes calls on 'readable': no extra stream
// (a Transform in between costs a copy and a tick per chunk on every message).
import type { Duplex } from 'node:stream';

/** Returns a checker fed every chunk in order; false once a packet is over `maxBytes` or malformed. */
export function frameChecker(maxBytes: number): (chunk: Buffer) => boolean {
  let remaining = 0; // body bytes of the current packet still to come
  let headerPos = 0; // 0: expecting a type byte; 1-4: reading the length varint
  let length = 0;
  let multiplier = 1;
  return (chunk) => {
    let i = 0;
    while (i < chunk.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - i);
        remaining -= take;
        i += take;
        continue;
      }
      const byte = chunk[i++] as number;
      if (headerPos === 0) {
        headerPos = 1;
        length = 0;
        multiplier = 1;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (byte & 0x80) {
        if (++headerPos > 4) return false; // a length varint has at most four bytes
        continue;
      }
      const size = 1 + headerPos + length;
      headerPos = 0;
      if (size > maxBytes) return false;
      remaining = length;
    }
    return true;
  };
}

/** Wraps `stream.read` so an oversized packet destroys the stream before its bytes reach the parser. */
export function guardStream(stream: Duplex, maxBytes: number, onTrip: () => void): void {
  const check = frameChecker(maxBytes);
  const read = stream.read.bind(stream);
  stream.read = function guardedRead(size?: number) {
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    if (check(chunk)) return chunk;
    onTrip();
    stream.destroy(new Error(`MQTT packet larger than ${maxBytes} bytes`));
    return null;
  };
}
