// WiFi entities (only while the wifi plugin runs).
import { onOff, type EntityDef } from '../entity.js';

export const wifiEntities: EntityDef[] = [
  {
    id: 'wifi_connected',
    platform: 'binary_sensor',
    needs: 'wifi',
    options: ({ t }) => ({
      name: 'WiFi connected',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      state_topic: t.state('wifi'),
      value_template: onOff('value_json.connected'),
    }),
  },
  {
    id: 'wifi_signal',
    platform: 'sensor',
    needs: 'wifi',
    options: ({ t }) => ({
      name: 'WiFi signal',
      icon: 'mdi:wifi',
      unit_of_measurement: '%',
      state_class: 'measurement',
      entity_category: 'diagnostic',
      state_topic: t.state('wifi'),
      value_template: '{{ value_json.signal }}',
    }),
  },
];
