// The media plugin's config section (placeholder until the plugin lands).
import { Type, type Static } from 'typebox';

export const mediaConfig = Type.Object({}, { additionalProperties: true });
export type MediaConfig = Static<typeof mediaConfig>;
