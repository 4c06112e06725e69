// The action table of every built-in plugin, by plugin id. Plugins implement these; the host
// validates payloads against them; REST, the gateway and the docs are generated from them.
import type { ActionSpec, ActionSpecs, RequestOf, ResponseOf } from './envelope.js';
import { systemActions } from './system.js';
import { playerActions } from './player.js';
import { loopActions } from './loop.js';
import { mediaActions } from './media.js';
import { homeassistantActions } from './homeassistant.js';
import { wifiActions } from './wifi.js';
import { displayActions } from './display.js';

export const builtinActions = {
  system: systemActions,
  player: playerActions,
  loop: loopActions,
  media: mediaActions,
  homeassistant: homeassistantActions,
  wifi: wifiActions,
  display: displayActions,
} satisfies Record<string, ActionSpecs>;

export type BuiltinPlugin = keyof typeof builtinActions;
export type ActionsOf<P extends BuiltinPlugin> = (typeof builtinActions)[P];

type SpecFor<P extends BuiltinPlugin, A extends ActionName<P>> = ActionsOf<P>[A] extends ActionSpec ? ActionsOf<P>[A] : never;
export type ActionName<P extends BuiltinPlugin> = keyof ActionsOf<P> & string;
/** The payload an action of a built-in plugin takes, from its declaration. */
export type RequestFor<P extends BuiltinPlugin, A extends ActionName<P>> = RequestOf<SpecFor<P, A>>;
/** The answer an action of a built-in plugin gives, from its declaration. */
export type AnswerFor<P extends BuiltinPlugin, A extends ActionName<P>> = ResponseOf<SpecFor<P, A>>;
export interface RequestOptions {
  timeoutMs?: number;
}
/** `request(plugin, action, payload?, opts?)`: the payload may be left out only when the action takes none. */
export type RequestArgs<P extends BuiltinPlugin, A extends ActionName<P>> =
  Record<string, never> extends RequestFor<P, A>
    ? [payload?: RequestFor<P, A>, opts?: RequestOptions]
    : [payload: RequestFor<P, A>, opts?: RequestOptions];
