// System entities: health figures, restart, and the last error Loop reported.
import type { EntityDef } from '../entity.js';

export const systemEntities: EntityDef[] = [
  {
    id: 'storage_free',
    platform: 'sensor',
    needs: 'system',
    options: ({ t }) => ({
      name: 'Storage free',
      device_class: 'data_size',
      unit_of_measurement: 'B',
      state_class: 'measurement',
      entity_category: 'diagnostic',
      state_topic: t.state('system'),
      value_template: '{{ value_json.disk.free }}',
    }),
  },
  {
    id: 'cpu_temperature',
    platform: 'sensor',
    needs: 'system',
    options: ({ t }) => ({
      name: 'CPU temperature',
      device_class: 'temperature',
      unit_of_measurement: '°C',
      state_class: 'measurement',
      entity_category: 'diagnostic',
      state_topic: t.state('system'),
      value_template: '{{ value_json.cpu_temp }}',
    }),
  },
  {
    id: 'restart',
    platform: 'button',
    needs: 'system',
    options: ({ t }) => ({
      name: 'Restart',
      device_class: 'restart',
      entity_category: 'config',
      command_topic: t.set('system'),
      payload_press: 'restart',
    }),
  },
  {
    id: 'last_error',
    platform: 'sensor',
    needs: 'homeassistant',
    options: ({ t }) => ({
      name: 'Last error',
      icon: 'mdi:alert-circle-outline',
      entity_category: 'diagnostic',
      state_topic: t.state('homeassistant/last_error'),
      value_template: '{{ value_json.message[:255] }}',
      json_attributes_topic: t.state('homeassistant/last_error'),
    }),
  },
];
