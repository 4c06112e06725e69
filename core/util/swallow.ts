// Errors a caller chooses not to pass on, said where they are dropped: `ignore(why)` for one that
// loses nothing (the reason is the argument, so it reads at the call site), `logged(log, what)` for
// one worth a line but not worth failing the caller for.
import type { Logger } from 'pino';

/** A `.catch` handler that drops the error; `why` says at the call site why nothing is lost. */
export function ignore(why: string): (err: unknown) => void {
  void why;
  return () => undefined;
}

/** A `.catch` handler that logs the error's message with `what` (at `level`) and carries on. */
export function logged(log: Logger, what: string, level: 'debug' | 'info' | 'warn' | 'error' = 'warn'): (err: unknown) => void {
  return (err) => log[level]({ err: err instanceof Error ? err.message : String(err) }, what);
}
