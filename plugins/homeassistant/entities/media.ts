// Library entities: how many items, and whether a conversion is running.
import type { EntityDef } from '../entity.js';
import { onOff } from '../entity.js';

// `value_json['items']`, never `value_json.items`: Jinja resolves `.items` to the dict's method.
export const mediaEntities: EntityDef[] = [
  {
    id: 'media_count',
    platform: 'sensor',
    needs: 'media',
    options: ({ t }) => ({
      name: 'Media count',
      icon: 'mdi:filmstrip-box-multiple',
      state_class: 'measurement',
      state_topic: t.state('media'),
      value_template: "{{ value_json['items'] | length }}",
    }),
  },
  {
    id: 'processing',
    platform: 'binary_sensor',
    needs: 'media',
    options: ({ t }) => ({
      name: 'Processing',
      device_class: 'running',
      entity_category: 'diagnostic',
      state_topic: t.state('media'),
      value_template: onOff("value_json['items'] | selectattr('processing_status', 'in', ['queued', 'processing']) | list | length > 0"),
    }),
  },
];
