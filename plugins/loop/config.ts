// The loop plugin's config section (config/default.yaml `loop:`). These are the defaults of a new
// loop; once changed at run time (settings/mode actions) the stored values win.
import { Type, type Static } from '@sinclair/typebox';
import { LoopMode } from '../../core/protocol/player.js';

export const loopConfig = Type.Object(
  {
    /** Put each newly added library item at the end of the loop (and play it when nothing plays). */
    auto_add: Type.Boolean(),
    /** all = every item in turn; one = the active item forever. */
    mode: LoopMode,
    /** Times each clip plays before the next (the first version's loop_count). */
    repeat: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Seconds a still image stays on screen. */
    image_duration: Type.Number({ exclusiveMinimum: 0, maximum: 86400 }),
    /** Play in a random order, dealt afresh each pass. */
    shuffle: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type LoopConfig = Static<typeof loopConfig>;

export const loopDefaults: LoopConfig = { auto_add: true, mode: 'all', repeat: 2, image_duration: 10, shuffle: false };
