// The cue handshake between the loop and the player: the loop bumps `cue` to ask for its active
// item afresh; `acted` is the last cue the player acted on, `shown` the one on screen (published as
// player.cue), and actions (next, play_slug...) wait until the screen shows theirs.
import { Waiters } from '../../core/util/pending.js';

export class Cues {
  acted = -1;
  shown = 0;
  private readonly waiters = new Waiters<number>();

  /** Something is on screen for the loop's `cue` (a file or segment started, or the idle card): wake whoever waits. */
  show(cue: number): void {
    if (cue > this.shown) this.shown = cue;
    this.waiters.offer(this.shown);
  }

  /**
   * Resolves once the screen shows `cue` (the item asked for started, or the card says there is
   * nothing to play), or for null once anything new is on screen (`settled` says whether it is
   * now); bounded: past the deadline the answer goes out anyway, with whatever is on screen.
   */
  when(cue: number | null, timeoutMs: number, settled: () => boolean): Promise<void> {
    if (cue === null ? settled() : cue <= this.shown) return Promise.resolve();
    return this.waiters
      .wait(
        (shown) => cue === null || cue <= shown,
        timeoutMs,
        () => this.shown,
      )
      .then(() => undefined);
  }

  releaseAll(): void {
    this.waiters.releaseAll(this.shown);
  }
}
