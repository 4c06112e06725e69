// The rooms the page has joined (counted: the last unsubscribe leaves) and the last `seq` seen in
// each, so a lost event (a jump in `seq`) is noticed and the room's snapshot asked for again.
import type { Room, ServerMessage } from './messages.js';

export class Subscriptions {
  /** How many parts of the page want each room. */
  private readonly refs = new Map<Room, number>();
  /** Last seq seen per room; undefined while a (re)subscription's snapshot is awaited. */
  private readonly seq = new Map<Room, number | undefined>();

  /** @param send puts a message on the socket (a no-op while it is down). */
  constructor(private readonly send: (msg: object) => void) {}

  get rooms(): Room[] {
    return [...this.refs.keys()];
  }

  /** Counts one more reader of `room`; joins it on the socket when it is the first and `live`. */
  add(room: Room, live: boolean): void {
    const n = this.refs.get(room) ?? 0;
    this.refs.set(room, n + 1);
    if (n === 0 && live) this.join([room]);
  }

  /** Counts one reader less; the last one leaves the room. */
  remove(room: Room, live: boolean): void {
    const n = (this.refs.get(room) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(room, n);
      return;
    }
    this.refs.delete(room);
    this.seq.delete(room);
    if (live) this.send({ type: 'unsubscribe', room });
  }

  /** A new socket was greeted: every room is joined again, and each snapshot starts the count anew. */
  rejoinAll(): void {
    this.seq.clear();
    const rooms = this.rooms;
    if (rooms.length) this.join(rooms);
  }

  /** `subscribe_response`: counting starts at the room's current seq. */
  onSubscribed(msg: ServerMessage): void {
    if (msg.success && typeof msg.room === 'string' && typeof msg.seq === 'number') this.seq.set(msg.room as Room, msg.seq);
  }

  /** A room's event: on a gap the event is still the newest state, but the room's snapshot is asked for. */
  onEvent(msg: ServerMessage): void {
    if (typeof msg.room !== 'string' || typeof msg.seq !== 'number') return;
    const room = msg.room as Room;
    if (this.follows(room, msg.seq, msg.snapshot === true)) return;
    this.seq.set(room, undefined);
    if (this.refs.has(room)) this.join([room]);
  }

  /** True when `seq` follows on (or a snapshot sets it); false on a gap. */
  private follows(room: Room, seq: number, snapshot: boolean): boolean {
    if (!this.seq.has(room)) return true;
    const last = this.seq.get(room);
    if (snapshot || last === undefined) {
      if (snapshot) this.seq.set(room, seq);
      return true;
    }
    if (seq === last + 1) {
      this.seq.set(room, seq);
      return true;
    }
    return seq <= last; // an old duplicate is harmless; only a jump forward is a gap
  }

  private join(rooms: Room[]): void {
    for (const r of rooms) this.seq.set(r, undefined);
    this.send({ type: 'subscribe', rooms });
  }
}
