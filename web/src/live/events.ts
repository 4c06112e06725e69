// Fan-out of server messages to the page's handlers, by event type. One broken handler must not
// starve the others.
import type { EventData, EventName, ServerMessage } from './messages.js';

type Handler = (data: unknown, msg: ServerMessage) => void;

export class EventHub {
  private readonly handlers = new Map<string, Set<Handler>>();

  /** Handles one event type (a room's events, `error`...); returns the unsubscribe. */
  on<E extends EventName>(type: E, fn: (data: EventData[E], msg: ServerMessage) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(fn as Handler);
    return () => set.delete(fn as Handler);
  }

  dispatch(type: string, data: unknown, msg: ServerMessage): void {
    const set = this.handlers.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(data, msg);
      } catch (err) {
        console.error(err);
      }
    }
  }
}
