// What sending one file ends in, whichever way it went (tus or multipart): the server's answer, or
// a refusal in the contract's words (its error code and message, for web/src/errors.ts).
import type { UploadResult } from '../../../core/protocol/index.js';
import { codeOfStatus } from '../errors.js';

export type Sent = { ok: true; result: UploadResult } | { ok: false; code: string; message: string; status: number };

/** The error envelope (and the multipart route's per-file errors) as the page reads it. */
interface Answer {
  success?: boolean;
  code?: string;
  message?: string;
  data?: UploadResult;
  errors?: Array<{ error?: string }>;
}

function parse(body: string): Answer | null {
  try {
    const parsed = JSON.parse(body) as Answer | null;
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    // Not JSON (a proxy's page, tus's own plain-text answers): the status says what happened.
    return null;
  }
}

/** Whether a body is Loop's error envelope: a decision of Loop's, not a dropped link. */
export function isRefusal(body: string): boolean {
  const answer = parse(body);
  return answer?.success === false && typeof answer.code === 'string';
}

/** The outcome of a finished request: its status and body. */
export function sentFrom(status: number, body: string): Sent {
  const answer = parse(body);
  const taken = answer?.data?.items[0];
  if (status >= 200 && status < 300 && answer?.data && taken) return { ok: true, result: answer.data };
  const message = answer?.data?.errors[0]?.error ?? answer?.errors?.[0]?.error ?? answer?.message ?? `upload failed (HTTP ${status})`;
  return { ok: false, code: answer?.code ?? codeOfStatus(status), message, status };
}

/** The link failed before an answer came. */
export function unreachable(message: string): Sent {
  return { ok: false, code: 'unreachable', message, status: 0 };
}
