// Bare Aedes on a TCP port, nothing else: the baseline for bench/broker.ts. Run as its own
// process (with or without bin/loop.js's V8 flags) so its CPU can be read from /proc/<pid>/stat.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const aedes = await Aedes.createBroker();
const server = createServer((socket) => aedes.handle(socket));
server.listen(port, '127.0.0.1', () => console.log('up'));
process.on('SIGTERM', () => {
  server.close();
  aedes.close(() => process.exit(0));
});
