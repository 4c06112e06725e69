// Broker CPU per message at steady state, in the same run: Debian's mosquitto, bare Aedes (Node's
// default flags), bare Aedes with bin/loop.js's V8 flags, the same Aedes with only Loop's broker
// hooks (EmbeddedBroker), and Loop as shipped (bin/loop.js executed, config/default.yaml's seven
// plugins), each its
// own process; CPU is utime+stime from /proc/<pid>/stat.
// Clients (mqtt.js, in this process) publish QoS 0 messages of ~100 bytes, at most WINDOW
// unanswered at a time, to one subscriber, then to ten (fan-out). A warm-up precedes every
// measured round; rounds alternate between brokers and the median is printed.
//
// BENCH_BROKER_MESSAGES (default 50000 per round), BENCH_BROKER_ROUNDS (3),
// BENCH_BROKER_SETTLE_SECONDS (20: Loop's idle RSS is read after this, before any load),
// BENCH_LOOP_FLAGS (V8 flags for Loop and the flagged Aedes instead of bin/loop.js's shebang).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import {
  DEFAULT_PLUGINS,
  fmt,
  freePort,
  loopFlags,
  median,
  packageRoot,
  procStats,
  ratio,
  sleep,
  spawnChild,
  spawnLoop,
  table,
  type Child,
} from './lib.js';

const MESSAGES = Number(process.env.BENCH_BROKER_MESSAGES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_BROKER_ROUNDS ?? 3);
const SETTLE = Number(process.env.BENCH_BROKER_SETTLE_SECONDS ?? 20);
const WINDOW = 500;
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;
const PAYLOAD = Buffer.from(
  JSON.stringify({ state: 'playing', position: 12.34, slug: 'beach_0123456789abcdef', volume: 40, n: 0 }).padEnd(100, ' '),
);

interface Broker {
  name: string;
  url: string;
  proc: Child;
}

function client(url: string): Promise<MqttClient> {
  const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, writeCache: false } as never);
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Publishes `n` messages keeping at most WINDOW ahead of the slowest subscriber; resolves when all arrived. */
async function drive(pub: MqttClient, subs: MqttClient[], topic: string, n: number): Promise<void> {
  const got = subs.map(() => 0);
  const handlers = subs.map((s, i) => {
    const h = (): void => {
      got[i] = (got[i] ?? 0) + 1;
      wake();
    };
    s.on('message', h);
    return h;
  });
  let wake: () => void = () => undefined;
  let sent = 0;
  const slowest = (): number => Math.min(...got);
  try {
    while (slowest() < n) {
      while (sent < n && sent - slowest() < WINDOW) {
        pub.publish(topic, PAYLOAD, { qos: 0 });
        sent++;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000); // a lost QoS 0 message must not hang the bench
        wake = () => {
          if (slowest() >= n || sent - slowest() < WINDOW / 2) {
            clearTimeout(t);
            wake = () => undefined;
            resolve();
          }
        };
      });
      if (slowest() < n && sent >= n) {
        // everything sent; wait for stragglers, but give up on lost ones after a quiet second
        const before = slowest();
        await sleep(1000);
        if (slowest() === before) break;
      }
    }
  } finally {
    subs.forEach((s, i) => s.off('message', handlers[i] as () => void));
  }
}

/** CPU µs of the broker per published message over one measured round (after a warm-up). */
async function measure(b: Broker, fan: number): Promise<number> {
  const pub = await client(b.url);
  const subs = await Promise.all(Array.from({ length: fan }, () => client(b.url)));
  const topic = `bench/fan${fan}`;
  await Promise.all(subs.map((s) => new Promise((r) => s.subscribe(topic, { qos: 0 }, r))));
  try {
    await drive(pub, subs, topic, Math.round(MESSAGES / 5));
    const before = procStats(b.proc.pid).cpuSeconds;
    await drive(pub, subs, topic, MESSAGES);
    const after = procStats(b.proc.pid).cpuSeconds;
    return ((after - before) / MESSAGES) * 1e6;
  } finally {
    pub.end(true);
    subs.forEach((s) => s.end(true));
  }
}

export default async function run(): Promise<void> {
  const children: Child[] = [];
  const brokers: Broker[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'loop-bench-broker-'));
  try {
    if (MOSQUITTO) {
      const port = await freePort();
      const conf = join(dir, 'mosquitto.conf');
      writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type none\n`);
      const proc = spawnChild(MOSQUITTO, ['-c', conf]);
      children.push(proc);
      brokers.push({ name: 'mosquitto (Debian)', url: `mqtt://127.0.0.1:${port}`, proc });
    } else {
      console.log('(mosquitto not installed: apt-get install mosquitto; its column is skipped)');
    }
    const aedesScript = join(packageRoot, 'dist', 'bench', 'broker-aedes.js');
    const variants: Array<[string, string[], string[]]> = [
      ['bare Aedes (node defaults)', [], []],
      [`bare Aedes (${loopFlags().join(' ')})`, loopFlags(), []],
      ["Aedes + Loop's broker hooks only (same flags)", loopFlags(), ['--hooks']],
    ];
    for (const [name, flags, extra] of variants) {
      const port = await freePort();
      const proc = spawnChild(process.execPath, [...flags, aedesScript, String(port), ...extra]);
      children.push(proc);
      await proc.waitFor('up', 10_000);
      brokers.push({ name, url: `mqtt://127.0.0.1:${port}`, proc });
    }
    const loop = await spawnLoop({ LOOP_PLUGINS: DEFAULT_PLUGINS });
    children.push(loop);
    await loop.waitFor('Loop is up', 30_000);
    brokers.push({ name: 'Loop as shipped (bin/loop.js, default plugins)', url: loop.mqtt, proc: loop });
    if (MOSQUITTO) await sleep(300);

    console.log(`settling ${SETTLE} s before the idle RSS reading (BENCH_BROKER_SETTLE_SECONDS)`);
    await sleep(SETTLE * 1000);
    const idle = brokers.map((b) => procStats(b.proc.pid));

    const results = new Map<string, { one: number[]; ten: number[] }>(brokers.map((b) => [b.name, { one: [], ten: [] }]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const b of brokers) {
        const res = results.get(b.name) as { one: number[]; ten: number[] };
        res.one.push(await measure(b, 1));
        res.ten.push(await measure(b, 10));
      }
    }
    const busy = brokers.map((b) => procStats(b.proc.pid));
    const base = brokers.find((b) => b.name.startsWith('mosquitto'));
    const bare = brokers.find((b) => b.name.startsWith('bare Aedes (node'));
    const m = (name: string | undefined, k: 'one' | 'ten'): number => (name ? median(results.get(name)?.[k] ?? []) : NaN);
    console.log(
      `${MESSAGES} QoS 0 messages of ${PAYLOAD.length} B per round after a ${MESSAGES / 5}-message warm-up; median of ${ROUNDS} rounds`,
    );
    table([
      [
        'broker',
        'µs CPU/msg 1→1',
        'vs mosquitto',
        'vs bare Aedes',
        'µs CPU/msg 1→10',
        'per delivery',
        'vs mosquitto',
        'vs bare Aedes',
        'idle RSS MiB',
        'RSS after MiB',
      ],
      ...brokers.map((b, i) => [
        b.name,
        fmt(m(b.name, 'one')),
        ratio(m(b.name, 'one'), m(base?.name, 'one')),
        ratio(m(b.name, 'one'), m(bare?.name, 'one')),
        fmt(m(b.name, 'ten')),
        fmt(m(b.name, 'ten') / 10),
        ratio(m(b.name, 'ten'), m(base?.name, 'ten')),
        ratio(m(b.name, 'ten'), m(bare?.name, 'ten')),
        fmt(idle[i]?.rssMiB ?? NaN),
        fmt(busy[i]?.rssMiB ?? NaN),
      ]),
    ]);
    for (const b of brokers)
      console.log(
        `  ${b.name}: 1→1 rounds ${results
          .get(b.name)
          ?.one.map((v) => fmt(v))
          .join(' / ')}; 1→10 rounds ${results
          .get(b.name)
          ?.ten.map((v) => fmt(v))
          .join(' / ')}`,
      );
    const loopIdle = idle[brokers.length - 1]?.rssMiB ?? NaN;
    console.log(
      `targets: Loop ≤ 3x mosquitto per message (${ratio(m(brokers.at(-1)?.name, 'one'), m(base?.name, 'one'))}), ` +
        `Loop's hooks ≈ bare Aedes with the same flags (${ratio(m(brokers[brokers.length - 2]?.name, 'one'), m(brokers[brokers.length - 3]?.name, 'one'))}), ` +
        `idle RSS with default plugins ≤ 70 MiB (${fmt(loopIdle)} MiB)`,
    );
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
