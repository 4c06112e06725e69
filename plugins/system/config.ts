// The system plugin's config section.
import { Type, type Static } from '@sinclair/typebox';

export const systemConfig = Type.Object(
  {
    interval_seconds: Type.Number({ minimum: 1, maximum: 3600 }),
    allow_restart: Type.Boolean(),
    restart_exit_code: Type.Integer({ minimum: 1, maximum: 255 }),
  },
  { additionalProperties: false },
);
export type SystemConfig = Static<typeof systemConfig>;
