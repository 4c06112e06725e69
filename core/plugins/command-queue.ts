// One plugin's lane: its commands and its own jobs (timers, subscriptions) run one at a time in
// arrival order, so a plugin never needs a lock of its own. Commands are bounded: past `max` waiting
// the newest is refused (`busy`), and a command whose action coalesces (repeated `next`, `volume`)
// stands in for the same action still waiting at the tail, so a flood holds one, not thousands. Each
// caller still gets an answer, with its own transaction. Jobs are the plugin's own work (a timer tick,
// a state change it follows): never refused, never coalesced.
import { ActionError, type ActionResponse } from '../protocol/index.js';
import type { Command } from './dispatch.js';

interface WaitingCommand {
  kind: 'command';
  cmd: Command;
  answers: Array<{ transaction: Command['transaction']; resolve: (r: ActionResponse) => void }>;
}
interface WaitingJob {
  kind: 'job';
  run: () => Promise<void>;
}
type Waiting = WaitingCommand | WaitingJob;

export class CommandQueue {
  private readonly waiting: Waiting[] = [];
  private busy = false;
  private commandsWaiting = 0;
  /** Set once the owner has started: commands routed before would meet no handlers. */
  private runCommand: ((cmd: Command) => Promise<ActionResponse>) | undefined;

  constructor(
    private readonly coalesces: (action: string) => boolean,
    private readonly max: number,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Start taking commands (once the plugin's handlers exist). */
  open(run: (cmd: Command) => Promise<ActionResponse>): void {
    this.runCommand = run;
    void this.pump();
  }

  push(cmd: Command): Promise<ActionResponse> {
    return new Promise<ActionResponse>((resolve) => {
      const answer = { transaction: cmd.transaction, resolve };
      const tail = this.waiting[this.waiting.length - 1];
      if (tail?.kind === 'command' && tail.cmd.action === cmd.action && this.coalesces(cmd.action)) {
        tail.cmd = cmd;
        tail.answers.push(answer);
        return;
      }
      if (this.commandsWaiting >= this.max) {
        const refusal = new ActionError('busy', `${this.max} commands are already waiting; try again in a moment`);
        resolve({
          status: 'error',
          code: refusal.code,
          error: refusal.message,
          ...(cmd.transaction !== undefined ? { transaction: cmd.transaction } : {}),
        });
        return;
      }
      this.commandsWaiting++;
      this.waiting.push({ kind: 'command', cmd, answers: [answer] });
      void this.pump();
    });
  }

  /** Run `job` in turn with the commands; resolves or rejects with the job's own outcome. */
  run<T>(job: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        kind: 'job',
        run: async () => {
          try {
            resolve(await job());
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
      });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const runCommand = this.runCommand;
        // Before the plugin has started only its own jobs run; commands wait for `open`.
        const index = runCommand ? 0 : this.waiting.findIndex((w) => w.kind === 'job');
        const next = index >= 0 ? this.waiting.splice(index, 1)[0] : undefined;
        if (!next) return;
        if (next.kind === 'job') {
          await next.run();
          continue;
        }
        if (!runCommand) return;
        this.commandsWaiting--;
        const res = await runCommand(next.cmd);
        for (const waiter of next.answers) {
          const { transaction: _transaction, ...rest } = res;
          waiter.resolve(waiter.transaction !== undefined ? { ...rest, transaction: waiter.transaction } : rest);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
