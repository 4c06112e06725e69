// The page's commands, typed from core/protocol's action declarations: the plugin, the action, the
// payload and the answer are checked at compile time (`command('player', 'nxt')` does not build).
import type { ActionName, AnswerFor, BuiltinPlugin, RequestFor } from '../../../core/protocol/actions.js';

export type { ActionName, AnswerFor, BuiltinPlugin, RequestFor };

/** The payload may be left out only when the action takes none. */
export type CommandArgs<P extends BuiltinPlugin, A extends ActionName<P>> =
  Record<string, never> extends RequestFor<P, A> ? [payload?: RequestFor<P, A>] : [payload: RequestFor<P, A>];

/** `plugin/action`, as the socket's `request` and the REST path name it. */
export const actionPath = (plugin: string, action: string): string => `${plugin}/${action}`;
