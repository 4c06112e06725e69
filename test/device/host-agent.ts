// The test bed's host side of the guest's control channel (a virtio-serial port): the guest asks
// for what only the host can do, one line at a time, and gets one line back. Today: "screendump
// NAME" saves what QEMU's display shows (the DRM card's scan-out) as OUTDIR/NAME.ppm through QMP.
// Usage: node host-agent.js OUTDIR   (connects to OUTDIR/ctl.sock and OUTDIR/qmp.sock)
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const out = process.argv[2] ?? '.';

/** Connects to a unix socket QEMU listens on, waiting for QEMU to create it. */
async function connect(path: string, tries = 600): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = createConnection(path, () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (err) {
      if (attempt >= tries) throw err;
      await sleep(100);
    }
  }
}

/** Reads newline-delimited lines from a socket. */
function lines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, newline).trim());
      buffered = buffered.slice(newline + 1);
    }
  });
}

async function main(): Promise<void> {
  const qmp = await connect(join(out, 'qmp.sock'));
  const replies: Array<(reply: Record<string, unknown>) => void> = [];
  lines(qmp, (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    if ('return' in message || 'error' in message) replies.shift()?.(message);
  });
  const command = (execute: string, args?: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      replies.push(resolve);
      qmp.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
    });
  await command('qmp_capabilities');

  const ctl = await connect(join(out, 'ctl.sock'));
  lines(ctl, (line) => {
    const [verb, name] = line.split(' ');
    if (verb === 'screendump' && name && /^[\w-]+$/.test(name)) {
      void command('screendump', { filename: join(out, `${name}.ppm`) }).then((reply) =>
        ctl.write('error' in reply ? `error ${JSON.stringify(reply.error)}\n` : `ok ${name}\n`),
      );
    } else if (line) ctl.write(`error unknown request: ${line}\n`);
  });
  // QEMU gone (the guest powered off): nothing more to serve.
  const done = () => process.exit(0);
  qmp.on('close', done);
  qmp.on('error', done);
  ctl.on('error', done);
}

main().catch((err: Error) => {
  console.error(`host-agent: ${err.message}`);
  process.exit(1);
});
