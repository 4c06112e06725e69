// One catalogue of plain sentences for what went wrong, keyed by the contract's error codes
// (core/protocol ErrorCodes) and the page's own (the link to Loop). The server's technical words
// stay available behind "Details"; whether a Retry can help is data here too.
import type { ErrorCode } from '../../core/protocol/envelope.js';

/** The page's codes besides the contract's: Loop not reached, the socket lost mid-request, logged out. */
export type PageErrorCode = 'unreachable' | 'disconnected' | 'unauthorized';

interface Entry {
  /** What happened and what to do, for a person. */
  text: string;
  /** The same request may succeed later (the cause can pass); false: it would fail the same way. */
  retry: boolean;
}

export const ERROR_CATALOGUE: Record<ErrorCode | PageErrorCode, Entry> = {
  invalid: { text: 'Loop could not use what was sent. Check the values and try again.', retry: false },
  not_found: { text: 'That is no longer there: it may have been removed from another phone a moment ago.', retry: false },
  conflict: { text: 'Something changed meanwhile, so this was not done. The page shows what is true now.', retry: false },
  too_large: { text: 'This file is larger than Loop accepts.', retry: false },
  unsupported: { text: 'Loop cannot play this file: it is not a picture or video it knows.', retry: false },
  forbidden: { text: 'This device does not allow that.', retry: false },
  storage_full: { text: 'The device has no room left. Delete something from the library, then try again.', retry: true },
  busy: { text: 'Loop is busy with something else. Try again in a moment.', retry: true },
  unavailable: { text: 'That part of Loop is not available on this device right now.', retry: true },
  timeout: { text: 'Loop took too long to answer. Try again.', retry: true },
  internal: { text: 'That did not work: Loop hit a problem it did not expect.', retry: true },
  unreachable: { text: 'Loop cannot be reached. Check that the device is on and this phone is on its network.', retry: true },
  disconnected: { text: 'The connection to Loop dropped before it answered. Try again.', retry: true },
  unauthorized: { text: 'This page is logged out. Log in again.', retry: false },
};

export interface Explained {
  text: string;
  /** The server's own words (or the page's), shown behind "Details"; null when they say nothing more. */
  detail: string | null;
  retry: boolean;
}

const isKnown = (code: string): code is keyof typeof ERROR_CATALOGUE => Object.hasOwn(ERROR_CATALOGUE, code);

/** A failure in plain words, from its code (unknown codes read as `internal`) and its technical message. */
export function explain(code: string | null | undefined, message: string | null | undefined): Explained {
  const entry = ERROR_CATALOGUE[code && isKnown(code) ? code : 'internal'];
  const detail = message?.trim() ? message.trim() : null;
  return { text: entry.text, detail: detail === entry.text ? null : detail, retry: entry.retry };
}

/** The code an HTTP status stands for, when the body carried none (a proxy's page, an old server). */
export function codeOfStatus(status: number): ErrorCode | PageErrorCode {
  const table: Record<number, ErrorCode | PageErrorCode> = {
    0: 'unreachable',
    400: 'invalid',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'too_large',
    415: 'unsupported',
    429: 'busy',
    503: 'unavailable',
    504: 'timeout',
    507: 'storage_full',
  };
  return table[status] ?? 'internal';
}
