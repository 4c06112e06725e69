// A plugin's lane (`ctx.lane`): its timers and the messages it follows run one at a time with its
// commands, on the host's queue for that plugin. A service therefore keeps no lock, no timer list and
// no unsubscribe list of its own: the host cancels all of them when the plugin stops.
import type { Logger } from 'pino';
import type { TopicName, TopicPayload } from '../protocol/index.js';
import type { PluginLane, ScopedBus } from './api.js';
import type { CommandQueue } from './command-queue.js';

export function createLane(queue: CommandQueue, bus: ScopedBus, log: Logger, signal: AbortSignal): PluginLane {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const intervals = new Set<ReturnType<typeof setInterval>>();
  signal.addEventListener('abort', () => {
    for (const timer of timers) clearTimeout(timer);
    for (const interval of intervals) clearInterval(interval);
    timers.clear();
    intervals.clear();
  });
  const post = (what: string, job: () => Promise<void> | void): void => {
    if (signal.aborted) return;
    queue.run(job).catch((err: unknown) => log.error({ err }, `${what} failed`));
  };
  return {
    run: (job) => queue.run(job),
    post,
    after(ms, what, job) {
      if (signal.aborted) return () => undefined;
      const timer = setTimeout(() => {
        timers.delete(timer);
        post(what, job);
      }, ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    every(ms, what, job) {
      if (signal.aborted) return () => undefined;
      // A tick that finds the previous one still waiting is skipped: a slow job never piles up.
      let pending = false;
      const interval = setInterval(() => {
        if (pending || signal.aborted) return;
        pending = true;
        queue
          .run(job)
          .catch((err: unknown) => log.error({ err }, `${what} failed`))
          .finally(() => (pending = false));
      }, ms);
      intervals.add(interval);
      return () => {
        clearInterval(interval);
        intervals.delete(interval);
      };
    },
    follow<T extends TopicName>(topic: T, what: string, handler: (payload: TopicPayload<T>, topic: string) => Promise<void> | void) {
      return bus.subscribe(topic, (payload, at) => post(what, () => handler(payload, at)));
    },
  };
}
