// The REST fallback while the socket is down: GET /api/state every few seconds, each topic in it
// handed to the page as the event the socket would have sent (the gateway's own route table), so
// the stores read one shape whichever way it came. A server that answers again after a silence
// (it restarted) is worth a socket attempt now, not at the backoff's end.
import { routeFor } from '../../../core/protocol/rooms.js';
import type { StateDocument } from '../../../core/protocol/state.js';
import type { Envelope } from './messages.js';
import type { StatusBox } from './status.js';
import type { FetchLike, Timers } from './transport.js';

export const STATE_PATH = '/api/state';

export interface PollDeps {
  fetch: FetchLike;
  httpBase: string;
  timers: Timers;
  pollMs: number;
  status: StatusBox;
  onUnauthorized?: (() => void) | undefined;
  /** One event, as the socket would deliver it. */
  deliver(type: string, data: unknown): void;
  /** A poll reached the server after polls that did not. */
  onServerBack(): void;
}

/** The events a state document stands for: each topic's event, then one per job in progress. */
export function eventsOfState(doc: StateDocument): Array<{ type: string; data: unknown }> {
  const out: Array<{ type: string; data: unknown }> = [];
  for (const [topic, payload] of Object.entries(doc.topics)) {
    const route = payload ? routeFor(topic, payload) : undefined;
    if (route) out.push({ type: route.event, data: payload });
  }
  for (const job of doc.jobs) {
    const route = routeFor('media/progress', job);
    if (route) out.push({ type: route.event, data: job });
  }
  return out;
}

export class Poller {
  private timer: unknown = null;
  /** Bumped when polling starts or stops, so a poll in flight from an earlier run ends there. */
  private generation = 0;

  constructor(private readonly deps: PollDeps) {}

  start(): void {
    if (this.deps.status.value.polling) return;
    this.deps.status.set({ polling: true });
    void this.pollOnce(++this.generation);
  }

  stop(): void {
    this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
    this.generation++;
    if (this.deps.status.value.polling) this.deps.status.set({ polling: false, pollOk: null, pollsOk: 0 });
  }

  private async pollOnce(gen: number): Promise<void> {
    const { deps } = this;
    let ok = false;
    try {
      const res = await deps.fetch(`${deps.httpBase}${STATE_PATH}`, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (res.status === 401) deps.onUnauthorized?.();
      if (res.ok) {
        const body = (await res.json()) as Envelope<StateDocument>;
        if (gen !== this.generation) return; // the socket came back meanwhile: its snapshot is newer
        ok = true;
        if (body.data) for (const e of eventsOfState(body.data)) deps.deliver(e.type, e.data);
      }
    } catch {
      ok = false; // unreachable or not JSON: pollOk says so
    }
    if (gen !== this.generation) return;
    const cameBack = ok && deps.status.value.pollOk === false;
    deps.status.set({ pollOk: ok, pollsOk: ok ? deps.status.value.pollsOk + 1 : 0 });
    if (cameBack) deps.onServerBack();
    if (gen !== this.generation) return;
    this.timer = deps.timers.setTimeout(() => void this.pollOnce(gen), deps.pollMs);
  }
}
