// The owner's settings: the few config keys a person may change from the page (a whitelist), kept
// as a state document that overlays the YAML at load (core/config/owner-settings.ts), served by the
// system plugin's `settings` and `update_settings` actions and its retained `settings` topic.
import { Type, type Static } from '@sinclair/typebox';
import { Names, Nullable } from './envelope.js';
import { MediaFit } from './media.js';

/** The name people see (page title, Home Assistant device): the config's `device.name`. */
export const DeviceName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });
/** `player.timeline`: auto plays a loop of clips as one mpv timeline; off always uses mpv's playlist. */
export const PlayerTimeline = Names('auto', 'off');

/** One definition per setting, shared with the config schema (core/config/schema.ts, plugins' config.ts). */
export const ownerSettingSchemas = {
  /** `device.name` */
  device_name: DeviceName,
  /** `media.display.fit`: how new uploads of another shape than the screen are fitted. */
  fit: MediaFit,
  /** `player.timeline` */
  timeline: PlayerTimeline,
  /** Whether `homeassistant` is in `plugins` (discovery and the Home Assistant entities). */
  homeassistant: Type.Boolean(),
};
export type OwnerSettingName = keyof typeof ownerSettingSchemas;
export const OWNER_SETTING_NAMES = Object.keys(ownerSettingSchemas) as OwnerSettingName[];

/** Values of every setting. */
export const OwnerSettingsValues = Type.Object(ownerSettingSchemas, { additionalProperties: false });
export type OwnerSettingsValues = Static<typeof OwnerSettingsValues>;

/** What the owner chose (the stored document): only the settings they changed. */
export const OwnerSettingsChoice = Type.Partial(OwnerSettingsValues, { additionalProperties: false });
export type OwnerSettingsChoice = Static<typeof OwnerSettingsChoice>;

/**
 * A change: a value sets the setting, null gives it back to the YAML (or the default). Settings not
 * named stay as they are.
 */
export const OwnerSettingsPatch = Type.Object(
  {
    device_name: Type.Optional(Nullable(DeviceName)),
    fit: Type.Optional(Nullable(MediaFit)),
    timeline: Type.Optional(Nullable(PlayerTimeline)),
    homeassistant: Type.Optional(Nullable(Type.Boolean())),
  },
  { additionalProperties: false },
);
export type OwnerSettingsPatch = Static<typeof OwnerSettingsPatch>;

/** Where a setting's value comes from: Loop's defaults, the owner (the page), the user's config file, or LOOP_* variables. */
export const SettingSource = Names('default', 'owner', 'file', 'environment');
export type SettingSource = Static<typeof SettingSource>;

export const SettingInfo = Type.Object({
  source: SettingSource,
  /** Set by the config file or a LOOP_* variable: the page shows it read-only (the owner cannot override it). */
  pinned: Type.Boolean(),
  /** live: a change applies at once (fit: to the next conversions); restart: after Loop restarts. */
  applies: Names('live', 'restart'),
  /** The value changed since Loop started and waits for a restart to apply. */
  restart_pending: Type.Boolean(),
});
export type SettingInfo = Static<typeof SettingInfo>;

/** The retained `settings` topic and the actions' answer. */
export const OwnerSettingsReport = Type.Object({
  /** Each setting's value as chosen (what applies after a restart, for those marked restart). */
  values: OwnerSettingsValues,
  settings: Type.Object({
    device_name: SettingInfo,
    fit: SettingInfo,
    timeline: SettingInfo,
    homeassistant: SettingInfo,
  }),
  /** The stored settings could not be read at start (kept aside, named here): the YAML alone applies. */
  problem: Nullable(Type.String()),
});
export type OwnerSettingsReport = Static<typeof OwnerSettingsReport>;
