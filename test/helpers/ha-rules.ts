// Home Assistant's documented rules for MQTT discovery, as data, for the tests: which options each
// platform requires and allows (home-assistant.io/integrations/<platform>.mqtt, "Configuration
// Variables"), the abbreviations discovery accepts, device-based discovery's shape (`dev`, `o`,
// `cmps` with `p` and `unique_id`, removal as `{p}` only), and the value checks HA applies.
export type Json = Record<string, unknown>;

/** Abbreviation → option, for the options this project can meet (HA's abbreviations.py). */
export const ABBREVIATIONS: Record<string, string> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  ic: 'icon',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  obj_id: 'object_id',
  ops: 'options',
  opt: 'optimistic',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_prs: 'payload_press',
  ret: 'retain',
  stat_cla: 'state_class',
  stat_off: 'state_off',
  stat_on: 'state_on',
  stat_t: 'state_topic',
  t: 'topic',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
  p: 'platform',
  o: 'origin',
  cmps: 'components',
  cont_type: 'content_type',
  img_t: 'image_topic',
  url_t: 'url_topic',
  url_tpl: 'url_template',
  img_e: 'image_encoding',
};
export const DEVICE_ABBREVIATIONS: Record<string, string> = {
  cns: 'connections',
  cu: 'configuration_url',
  ids: 'identifiers',
  mf: 'manufacturer',
  mdl: 'model',
  sw: 'sw_version',
  sa: 'suggested_area',
  hw: 'hw_version',
  sn: 'serial_number',
  name: 'name',
  mdl_id: 'model_id',
  via_device: 'via_device',
};
export const ORIGIN_ABBREVIATIONS: Record<string, string> = { name: 'name', sw: 'sw_version', url: 'support_url' };

export const expand = (obj: Json, table: Record<string, string>): Json =>
  Object.fromEntries(Object.entries(obj).map(([k, v]) => [table[k] ?? k, v]));

/** Options every MQTT entity platform takes (MQTT_ENTITY_COMMON_SCHEMA, availability). */
const COMMON = [
  'platform',
  'name',
  'unique_id',
  'icon',
  'entity_category',
  'enabled_by_default',
  'entity_picture',
  'object_id',
  'default_entity_id',
  'availability',
  'availability_mode',
  'availability_topic',
  'availability_template',
  'payload_available',
  'payload_not_available',
  'json_attributes_topic',
  'json_attributes_template',
  'qos',
  'encoding',
  'device',
  'origin',
];

interface PlatformRule {
  required: string[];
  allowed: string[];
  /** Exactly one of these. */ oneOf?: string[];
}

export const PLATFORMS: Record<string, PlatformRule> = {
  sensor: {
    required: ['state_topic'],
    allowed: [
      'state_topic',
      'value_template',
      'device_class',
      'state_class',
      'unit_of_measurement',
      'suggested_display_precision',
      'expire_after',
      'force_update',
      'last_reset_value_template',
      'options',
    ],
  },
  binary_sensor: {
    required: ['state_topic'],
    allowed: ['state_topic', 'value_template', 'device_class', 'payload_on', 'payload_off', 'expire_after', 'force_update', 'off_delay'],
  },
  button: { required: ['command_topic'], allowed: ['command_topic', 'command_template', 'payload_press', 'device_class', 'retain'] },
  switch: {
    required: [],
    allowed: [
      'command_topic',
      'command_template',
      'state_topic',
      'value_template',
      'payload_on',
      'payload_off',
      'state_on',
      'state_off',
      'optimistic',
      'retain',
      'device_class',
    ],
  },
  select: {
    required: ['command_topic', 'options'],
    allowed: ['command_topic', 'command_template', 'state_topic', 'value_template', 'options', 'optimistic', 'retain'],
  },
  number: {
    required: ['command_topic'],
    allowed: [
      'command_topic',
      'command_template',
      'state_topic',
      'value_template',
      'min',
      'max',
      'step',
      'mode',
      'unit_of_measurement',
      'device_class',
      'optimistic',
      'retain',
      'payload_reset',
    ],
  },
  image: {
    required: [],
    oneOf: ['image_topic', 'url_topic'],
    allowed: ['image_topic', 'url_topic', 'content_type', 'image_encoding', 'url_template'],
  },
  notify: { required: ['command_topic'], allowed: ['command_topic', 'command_template', 'retain'] },
};

/** Units HA accepts for the sensor device classes Loop uses (sensor/const.py DEVICE_CLASS_UNITS). */
const SENSOR_UNITS: Record<string, string[]> = {
  duration: ['d', 'h', 'min', 's', 'ms'],
  temperature: ['°C', '°F', 'K'],
  data_size: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB'],
};
const BINARY_SENSOR_CLASSES = [
  'battery',
  'cold',
  'connectivity',
  'door',
  'heat',
  'light',
  'lock',
  'moisture',
  'motion',
  'moving',
  'occupancy',
  'opening',
  'plug',
  'power',
  'presence',
  'problem',
  'running',
  'safety',
  'smoke',
  'sound',
  'tamper',
  'update',
  'vibration',
  'window',
];
const BUTTON_CLASSES = ['identify', 'restart', 'update'];
const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];

const isTopic = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && !/[#+]/.test(v) && !v.includes('\0');

/** Every rule a component breaks (empty = HA would accept it). `c` has full option names. */
export function componentProblems(id: string, raw: Json): string[] {
  const c = expand(raw, ABBREVIATIONS);
  const out: string[] = [];
  const platform = c.platform as string;
  const rule = PLATFORMS[platform];
  if (!rule) return [`${id}: unknown platform ${String(platform)}`];
  if (typeof c.unique_id !== 'string' || !c.unique_id) out.push(`${id}: device discovery requires unique_id`);
  for (const k of rule.required) if (c[k] === undefined) out.push(`${id}: ${platform} requires ${k}`);
  if (rule.oneOf && rule.oneOf.filter((k) => c[k] !== undefined).length !== 1)
    out.push(`${id}: ${platform} needs exactly one of ${rule.oneOf.join(', ')}`);
  for (const k of Object.keys(c)) if (!COMMON.includes(k) && !rule.allowed.includes(k)) out.push(`${id}: ${platform} has no option ${k}`);
  for (const k of ['state_topic', 'command_topic', 'image_topic', 'url_topic', 'json_attributes_topic']) {
    if (c[k] !== undefined && !isTopic(c[k])) out.push(`${id}: ${k} is not a valid topic: ${JSON.stringify(c[k])}`);
  }
  if (c.entity_category !== undefined && !['config', 'diagnostic'].includes(c.entity_category as string))
    out.push(`${id}: entity_category must be config or diagnostic`);
  if ((platform === 'sensor' || platform === 'binary_sensor') && c.entity_category === 'config')
    out.push(`${id}: entity category config is invalid for ${platform}`);
  if (c.state_class !== undefined && !STATE_CLASSES.includes(c.state_class as string)) out.push(`${id}: bad state_class`);
  if (platform === 'sensor') {
    const dc = c.device_class as string | undefined;
    if (dc === 'enum') {
      if (!Array.isArray(c.options) || c.options.length === 0) out.push(`${id}: an enum sensor needs options`);
      if (c.unit_of_measurement !== undefined || c.state_class !== undefined)
        out.push(`${id}: an enum sensor takes no unit or state_class`);
    } else if (c.options !== undefined) {
      out.push(`${id}: options only with device_class enum`);
    }
    if (dc && dc !== 'enum' && SENSOR_UNITS[dc] && !SENSOR_UNITS[dc].includes(c.unit_of_measurement as string))
      out.push(`${id}: unit ${String(c.unit_of_measurement)} is not valid for ${dc}`);
  }
  if (platform === 'binary_sensor' && c.device_class !== undefined && !BINARY_SENSOR_CLASSES.includes(c.device_class as string))
    out.push(`${id}: bad binary_sensor device_class`);
  if (platform === 'button' && c.device_class !== undefined && !BUTTON_CLASSES.includes(c.device_class as string))
    out.push(`${id}: bad button device_class`);
  if (platform === 'number') {
    const min = (c.min ?? 1) as number;
    const max = (c.max ?? 100) as number;
    if (!(min < max)) out.push(`${id}: min must be below max`);
    if (c.step !== undefined && !((c.step as number) >= 0.001)) out.push(`${id}: step must be >= 0.001`);
    if (c.mode !== undefined && !['auto', 'box', 'slider'].includes(c.mode as string)) out.push(`${id}: bad number mode`);
  }
  if (platform === 'select') {
    const opts = c.options as unknown[];
    if (!Array.isArray(opts) || opts.some((o) => typeof o !== 'string')) out.push(`${id}: options must be strings`);
    else if (new Set(opts).size !== opts.length) out.push(`${id}: options must be unique`);
  }
  if (platform === 'image' && c.image_topic !== undefined && typeof c.content_type !== 'string')
    out.push(`${id}: image_topic wants content_type`);
  return out;
}

/** Problems of the device-level payload (`dev`, `o`, availability, `cmps`). */
export function devicePayloadProblems(p: Json): string[] {
  const top = expand(p, ABBREVIATIONS);
  const out: string[] = [];
  const dev = top.device ? expand(top.device as Json, DEVICE_ABBREVIATIONS) : null;
  const origin = top.origin ? expand(top.origin as Json, ORIGIN_ABBREVIATIONS) : null;
  if (!dev) out.push('device discovery requires device');
  else {
    if (!(Array.isArray(dev.identifiers) ? dev.identifiers.length : dev.identifiers)) out.push('device needs identifiers');
    for (const k of Object.keys(dev)) if (!Object.values(DEVICE_ABBREVIATIONS).includes(k)) out.push(`device has no option ${k}`);
  }
  if (!origin || typeof origin.name !== 'string') out.push('device discovery requires origin with a name');
  else for (const k of Object.keys(origin)) if (!Object.values(ORIGIN_ABBREVIATIONS).includes(k)) out.push(`origin has no option ${k}`);
  // Shared options allowed at the root of a device payload.
  const shared = [
    'device',
    'origin',
    'components',
    'availability',
    'availability_mode',
    'availability_topic',
    'availability_template',
    'payload_available',
    'payload_not_available',
    'state_topic',
    'command_topic',
    'qos',
    'encoding',
  ];
  for (const k of Object.keys(top)) if (!shared.includes(k)) out.push(`root has no shared option ${k}`);
  if (!top.components || typeof top.components !== 'object') out.push('device discovery requires components (cmps)');
  return out;
}
