// The player's integration set-up, shared: a Loop with the player on a real mpv (vo=null) and the
// loop plugin, the given media announced as the library, an MQTT client on every topic, and a
// second viewer of mpv's IPC (MpvWatch) that reads what mpv really plays. Each suite calls
// startPlayerBench in `before` and `stop` in `after`.
import { expect } from 'chai';
import { makeClip } from './clips.js';
import {
  http,
  MpvWatch,
  mpvSocket,
  publishLibrary,
  startPlayerLoop,
  startTestLoop,
  type Media,
  type PlayerLoopOptions,
  type TestLoop,
} from './loop.js';
import { connectMqtt, type TestMqtt } from './mqtt.js';

export interface PlayerBench {
  loop: TestLoop;
  mqtt: TestMqtt;
  mpv: MpvWatch;
  /** The mpv socket the player was given. */
  socket: string;
  /** The absolute topic of `rel` under this Loop's base. */
  topic: (rel: string) => string;
  /** The slug of a media file path (the path itself when unknown). */
  slugOf: (path: string) => string;
  /** Adds these items to the loop through REST, in order (each must answer 200). */
  addToLoop(items: readonly Media[]): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchOptions extends Omit<PlayerLoopOptions, 'socket'> {
  /** Announced as the library (retained `media`), as the media plugin would. */
  media?: readonly Media[];
  /** Run the media plugin too (uploads are converted for real) instead of announcing `media`. */
  mediaPlugin?: boolean;
}

export async function startPlayerBench(o: BenchOptions = {}): Promise<PlayerBench> {
  const socket = mpvSocket();
  const { media = [], mediaPlugin = false, ...rest } = o;
  const loop = mediaPlugin
    ? await startTestLoop({
        plugins: ['system', 'media', 'player', 'loop'],
        player: { vo: 'null', ao: 'null', ipc_socket: socket, hang_timeout_ms: 2000, ...rest.player },
        loop: { repeat: 1, ...rest.loop },
      })
    : await startPlayerLoop({ ...rest, socket });
  if (media.length) await publishLibrary(loop, media);
  const mqtt = await connectMqtt(loop.mqtt as string);
  await mqtt.subscribe(`${loop.baseTopic}/#`);
  const mpv = new MpvWatch(socket);
  await mpv.attach();
  const byPath = new Map(media.map((m) => [m.path, m.slug]));
  return {
    loop,
    mqtt,
    mpv,
    socket,
    topic: (rel) => `${loop.baseTopic}/${rel}`,
    slugOf: (path) => byPath.get(path) ?? path,
    async addToLoop(items) {
      for (const m of items) {
        const res = await http('POST', `${loop.http}/api/loop`, { slug: m.slug });
        expect(res.status, m.slug).to.equal(200);
      }
    },
    async stop() {
      mpv.close();
      await mqtt.end();
      await loop.stop();
    },
  };
}

/** Clips of `seconds` each, one a slug, made with ffmpeg (in parallel); as many as slugs. */
export async function clipsNamed<const S extends readonly string[]>(slugs: S, seconds: number): Promise<{ [K in keyof S]: Media }> {
  const paths = await Promise.all(slugs.map(() => makeClip({ seconds })));
  return slugs.map((slug, i): Media => ({ slug, path: paths[i] as string, kind: 'video', duration: seconds })) as { [K in keyof S]: Media };
}

/** The config of a Loop process that plays (media, player on a null mpv, loop), for restart and kill -9 tests. */
export function playingProcessConfig(deviceId: string, socket: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device: { id: deviceId },
    plugins: ['system', 'player', 'loop', 'media'],
    player: { vo: 'null', ao: 'null', ipc_socket: socket },
    ...extra,
  };
}
