// Two connected in-memory Duplex streams: what one writes, the other reads.
// Lets Loop's own mqtt.js client talk to the in-process Aedes broker without a TCP hop.
import { Duplex } from 'node:stream';

class Side extends Duplex {
  other: Side | null = null;
  private pendingCallback: (() => void) | null = null;

  override _read(): void {
    const cb = this.other?.pendingCallback;
    if (cb && this.other) {
      this.other.pendingCallback = null;
      cb();
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    const other = this.other;
    if (!other || other.destroyed) {
      callback(new Error('in-memory stream closed'));
      return;
    }
    // Back-pressure: hold the callback until the reader wants more.
    if (other.push(chunk)) callback();
    else this.pendingCallback = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.other?.push(null);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const other = this.other;
    this.other = null;
    if (other && !other.destroyed) {
      other.push(null);
      other.destroy();
    }
    callback(err);
  }
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new Side();
  const b = new Side();
  a.other = b;
  b.other = a;
  return [a, b];
}
