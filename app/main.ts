// The `loop` command (bin/loop.js runs it): core's command line, given Loop's parts.
import { main as cli } from '../core/cli/main.js';
import { loopParts } from './parts.js';

export function main(args: string[]): Promise<void> {
  return cli(args, loopParts);
}
