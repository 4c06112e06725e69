// Coalesces the broker's writes to one socket per turn of the event loop. mqtt-packet corks the
// stream for each packet and uncorks it on the next tick, and Aedes delivers every message in its
// own setImmediate, so each delivered message became its own writev() syscall (a third of the
// broker's CPU in a fan-out profile). Holding the cork until the next turn sends everything the
// immediates of one turn wrote in one writev(). Only the instance's methods are wrapped: nothing
// in node_modules changes. Back-pressure still works (write() returns false past the high-water
// mark while corked, and 'drain' follows the flush), and end() or destroy() flushes first, so a
// refusing CONNACK written just before the socket is closed still goes out.
import type { Writable } from 'node:stream';

export function coalesceWrites(stream: Writable): void {
  const uncork = stream.uncork.bind(stream);
  const end = stream.end.bind(stream) as (...args: unknown[]) => Writable;
  const destroy = stream.destroy.bind(stream);
  let held = 0;
  const flush = (): void => {
    const n = held;
    held = 0;
    // Uncorking a stream that is no longer corked is a no-op.
    for (let i = 0; i < n; i++) uncork();
  };
  stream.uncork = function deferredUncork(): void {
    if (held++ === 0) setImmediate(flush);
  };
  stream.end = function flushedEnd(...args: unknown[]): Writable {
    flush();
    return end(...args);
  } as Writable['end'];
  stream.destroy = function flushedDestroy(err?: Error): Writable {
    flush();
    return destroy(err);
  };
}
