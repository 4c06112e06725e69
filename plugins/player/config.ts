// The player plugin's config section (placeholder until the plugin lands).
import { Type, type Static } from 'typebox';

export const playerConfig = Type.Object({}, { additionalProperties: true });
export type PlayerConfig = Static<typeof playerConfig>;
