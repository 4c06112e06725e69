// The system plugin's state and actions: health, storage, the owner's settings (core/protocol/settings.ts), restart.
import { Type, type Static } from '@sinclair/typebox';
import { NoPayload, type ActionSpec, Nullable } from './envelope.js';
import { OwnerSettingsPatch, OwnerSettingsReport } from './settings.js';

export const SystemState = Type.Object({
  hostname: Type.String(),
  version: Type.String(),
  platform: Type.String(),
  cpu_temp: Nullable(Type.Number()),
  load: Type.Array(Type.Number()),
  cpus: Type.Integer(),
  memory: Type.Object({ total: Type.Number(), free: Type.Number(), used: Type.Number(), process_rss: Type.Number() }),
  disk: Type.Object({ total: Type.Number(), free: Type.Number(), used: Type.Number(), path: Type.String() }),
  uptime: Type.Number(),
  process_uptime: Type.Number(),
  updated_at: Type.String(),
});
export type SystemState = Static<typeof SystemState>;

/** The first version's `/api/dashboard/storage` answer, all in bytes. */
export const StorageReport = Type.Object({
  total: Type.Number(),
  used: Type.Number(),
  free: Type.Number(),
  system: Type.Number(),
  app: Type.Number(),
  media: Type.Number(),
  units: Type.Literal('bytes'),
});
export type StorageReport = Static<typeof StorageReport>;

export const systemActions = {
  health: { description: 'Samples health now and returns it (also republished on `system`).', request: NoPayload, response: SystemState },
  storage: {
    description: 'Disk use of the data directory, split into media, app and system.',
    request: NoPayload,
    response: StorageReport,
  },
  settings: {
    description:
      "The owner's settings (device name, fit of new uploads, timeline, Home Assistant on/off): each value, where it comes from, whether the config file pins it, and whether it waits for a restart.",
    request: NoPayload,
    response: OwnerSettingsReport,
  },
  update_settings: {
    description:
      "Changes the owner's settings (null gives one back to the config file or the default); answers once they are stored. A setting the config file or a LOOP_* variable sets is refused (conflict), and a bad value changes nothing.",
    request: OwnerSettingsPatch,
    response: OwnerSettingsReport,
  },
  restart: {
    description:
      'Stops Loop gracefully and exits so that the service manager starts it again; with no service manager (npm start), Loop starts itself again (system.allow_restart).',
    request: NoPayload,
    response: Type.Object({ restarting: Type.Boolean() }),
  },
} satisfies Record<string, ActionSpec>;
