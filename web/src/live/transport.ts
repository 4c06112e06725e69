// What the live connection is given from outside: a socket factory, fetch and timers (adapters:
// browser.ts in the page, `ws` and Node's fetch in mocha), and the error it throws.

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** Opens a WebSocket and reports its life through the handlers (adapters: browser.ts, or `ws` in tests). */
export type SocketFactory = (url: string, h: SocketHandlers) => SocketLike;

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  credentials?: 'same-origin';
}
export type FetchLike = (url: string, init?: FetchInit) => Promise<{ status: number; ok: boolean; json(): Promise<unknown> }>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** The gateway's close code for a socket without a valid session or token. */
export const CLOSE_UNAUTHORIZED = 4401;

/** A refused command or a failed request, with the server's words. */
export class LiveError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'LiveError';
  }
}
