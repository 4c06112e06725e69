// The loop plugin's config section (placeholder until the plugin lands).
import { Type, type Static } from 'typebox';

export const loopConfig = Type.Object({}, { additionalProperties: true });
export type LoopConfig = Static<typeof loopConfig>;
