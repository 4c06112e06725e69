// The error path of every upgrade socket. Node's HTTP server hands an upgrading socket over with no
// error listener of its own, so a client that resets it at any moment (mid-request, while a refusal
// is written, mid-handshake) would raise an unhandled ECONNRESET and end the whole process.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** How long a refused client may take to read the answer before its socket is destroyed. */
const REFUSAL_GRACE_MS = 2000;

/** Gives the socket its error path for its whole life: log at debug (clients vanish all the time), destroy. */
export function guardUpgradeSocket(socket: Duplex, log?: Logger): void {
  socket.on('error', (err: NodeJS.ErrnoException) => {
    log?.debug({ err: err.code ?? err.message }, 'upgrade socket error');
    socket.destroy();
  });
}

/** Answers an upgrade with an HTTP error and closes the socket, whatever the client does meanwhile. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, body = reason): void {
  if (socket.listenerCount('error') === 0) guardUpgradeSocket(socket);
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const text = `${body}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  // The HTTP server's sockets allow half-open: a client that never closes its side would keep the
  // descriptor forever, so the refusal has a deadline.
  const deadline = setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS);
  deadline.unref();
  socket.once('close', () => clearTimeout(deadline));
}
