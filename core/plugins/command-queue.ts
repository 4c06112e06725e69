// One plugin's commands, run one at a time in arrival order, with a bound: past `max` waiting the
// newest is refused (`busy`), and a command whose action coalesces (repeated `next`, `volume`)
// stands in for the same action still waiting at the tail, so a flood holds one, not thousands.
// Each caller still gets an answer, with its own transaction.
import { ActionError, type ActionResponse } from '../protocol/index.js';
import type { Command } from './dispatch.js';

interface Waiting {
  cmd: Command;
  answers: Array<{ transaction: Command['transaction']; resolve: (r: ActionResponse) => void }>;
}

export class CommandQueue {
  private readonly waiting: Waiting[] = [];
  private busy = false;

  constructor(
    private readonly run: (cmd: Command) => Promise<ActionResponse>,
    private readonly coalesces: (action: string) => boolean,
    private readonly max: number,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  push(cmd: Command): Promise<ActionResponse> {
    return new Promise<ActionResponse>((resolve) => {
      const answer = { transaction: cmd.transaction, resolve };
      const tail = this.waiting[this.waiting.length - 1];
      if (tail && tail.cmd.action === cmd.action && this.coalesces(cmd.action)) {
        tail.cmd = cmd;
        tail.answers.push(answer);
        return;
      }
      if (this.waiting.length >= this.max) {
        const e = new ActionError('busy', `${this.max} commands are already waiting; try again in a moment`);
        resolve({
          status: 'error',
          code: e.code,
          error: e.message,
          ...(cmd.transaction !== undefined ? { transaction: cmd.transaction } : {}),
        });
        return;
      }
      this.waiting.push({ cmd, answers: [answer] });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
        const res = await this.run(next.cmd);
        for (const a of next.answers) {
          const { transaction: _t, ...rest } = res;
          a.resolve(a.transaction !== undefined ? { ...rest, transaction: a.transaction } : rest);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
