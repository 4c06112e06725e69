// Uploads clips made at test time to a running Loop and waits until the library has them all
// ready: the set-up of the tests that kill, restart or break a Loop with a loop of clips.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { MediaState } from '../../core/protocol/index.js';
import { makeClip } from './clips.js';
import type { LoopProcess } from './loop.js';
import { connectMqtt } from './mqtt.js';

/** Uploads `count` one-second clips in one request; resolves with the library's slugs once all are ready. */
export async function uploadReadyClips(proc: LoopProcess, count = 3): Promise<string[]> {
  const files = await Promise.all(Array.from({ length: count }, () => makeClip({ seconds: 1 })));
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([await readFile(f)], { type: 'video/mp4' }), basename(f));
  const up = await fetch(`${proc.http}/api/media`, { method: 'POST', body: form });
  expect(up.status, await up.clone().text()).to.be.oneOf([200, 201, 202]);
  const mqtt = await connectMqtt(proc.mqtt);
  try {
    await mqtt.subscribe(`${proc.baseTopic}/media`);
    const ready = await mqtt.next((m) => {
      const items = (m.json as MediaState).items;
      return items?.length === count && items.every((i) => i.processing_status === 'ready');
    }, 30_000);
    return (ready.json as MediaState).items.map((i) => i.slug);
  } finally {
    await mqtt.end();
  }
}
