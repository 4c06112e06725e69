// The `loop` command (bin/loop.js runs it): core's command line, given Loop's parts. They are
// imported only when a command needs them, so `loop --version` loads no plugin schema.
import { main as cli } from '../core/cli/main.js';

export function main(args: string[]): Promise<void> {
  return cli(args, async () => (await import('./parts.js')).loopParts);
}
