// The action table of every built-in plugin, by plugin id. Plugins implement these; the host
// validates payloads against them; REST, the gateway and the docs are generated from them.
import type { ActionSpecs } from './envelope.js';
import { systemActions } from './system.js';
import { playerActions } from './player.js';
import { loopActions } from './loop.js';
import { mediaActions } from './media.js';

export const builtinActions = {
  system: systemActions,
  player: playerActions,
  loop: loopActions,
  media: mediaActions,
} satisfies Record<string, ActionSpecs>;

export type BuiltinPlugin = keyof typeof builtinActions;
export type ActionsOf<P extends BuiltinPlugin> = (typeof builtinActions)[P];
