// The connection's status as the page shows it (the live indicator), and who is told of changes.

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveStatus {
  state: LiveState;
  /** When the next socket attempt starts (ms, the injected clock), while reconnecting. */
  nextRetryAt: number | null;
  /** Failed attempts since the socket was last live. */
  attempt: number;
  /** The REST fallback is polling (the socket is down). */
  polling: boolean;
  /** The last poll reached the server. */
  pollOk: boolean | null;
  /** Polls in a row that reached the server since polling started or last failed. One alone may be a
   * server shutting down (it answers HTTP a moment after dropping the socket), so the page claims
   * "updating every few seconds" only from the second. */
  pollsOk: number;
}

/** Holds the status; the socket and the poller each patch their own fields. */
export class StatusBox {
  private current: LiveStatus = { state: 'connecting', nextRetryAt: null, attempt: 0, polling: false, pollOk: null, pollsOk: 0 };
  private readonly listeners = new Set<(s: LiveStatus) => void>();

  get value(): LiveStatus {
    return { ...this.current };
  }

  get live(): boolean {
    return this.current.state === 'live';
  }

  /** Calls back with the status now and at every change; returns the unsubscribe. */
  listen(fn: (s: LiveStatus) => void): () => void {
    this.listeners.add(fn);
    fn(this.value);
    return () => this.listeners.delete(fn);
  }

  /** Applies a change; listeners hear of it only when something changed. */
  set(patch: Partial<LiveStatus>): void {
    const next = { ...this.current, ...patch };
    if (Object.keys(next).every((k) => next[k as keyof LiveStatus] === this.current[k as keyof LiveStatus])) return;
    this.current = next;
    for (const fn of [...this.listeners]) fn(this.value);
  }
}
