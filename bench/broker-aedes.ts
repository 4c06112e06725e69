// Bare Aedes on a TCP port, nothing else: the baseline for bench/broker.ts. Run as its own
// process (with or without bin/loop.js's V8 flags) so its CPU can be read from /proc/<pid>/stat.
// `--hooks`: Loop's EmbeddedBroker instead (the same Aedes with Loop's ACL, bounds and hooks,
// and nothing else of Loop), to tell the hooks' cost from the cost of the rest of the process.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import pino from 'pino';
import { EmbeddedBroker } from '../core/broker/embedded.js';

const port = Number(process.argv[2]);
if (process.argv.includes('--hooks')) {
  const broker = new EmbeddedBroker({
    listen: true,
    host: '127.0.0.1',
    port,
    allowAnonymous: 'loopback',
    users: [],
    passwordFile: null,
    baseTopic: 'loop/bench',
    log: pino({ level: 'warn' }),
  });
  await broker.start();
  console.log('up');
  process.on('SIGTERM', () => void broker.close().then(() => process.exit(0)));
} else {
  const aedes = await Aedes.createBroker();
  const server = createServer((socket) => aedes.handle(socket));
  server.listen(port, '127.0.0.1', () => console.log('up'));
  process.on('SIGTERM', () => {
    server.close();
    aedes.close(() => process.exit(0));
  });
}
