// Loop entities: mode, how often each clip repeats, how long a still stays.
import { LoopMode } from '../../../core/protocol/player.js';
import type { EntityDef } from '../entity.js';

export const loopEntities: EntityDef[] = [
  {
    id: 'loop_mode',
    platform: 'select',
    needs: 'loop',
    options: ({ t }) => ({
      name: 'Loop mode',
      icon: 'mdi:repeat',
      entity_category: 'config',
      options: LoopMode.anyOf.map((m) => m.const),
      command_topic: t.set('loop'),
      command_template: '{"mode": {{ value | tojson }}}',
      state_topic: t.state('loop'),
      value_template: '{{ value_json.mode }}',
    }),
  },
  {
    id: 'repeat',
    platform: 'number',
    needs: 'loop',
    options: ({ t }) => ({
      name: 'Repeat count',
      icon: 'mdi:repeat-variant',
      entity_category: 'config',
      min: 1,
      max: 100,
      step: 1,
      mode: 'box',
      command_topic: t.set('loop'),
      command_template: '{"action": "settings", "repeat": {{ value | int }}}',
      state_topic: t.state('loop'),
      value_template: '{{ value_json.repeat }}',
    }),
  },
  {
    id: 'still_duration',
    platform: 'number',
    needs: 'loop',
    options: ({ t }) => ({
      name: 'Still duration',
      icon: 'mdi:image-outline',
      entity_category: 'config',
      min: 1,
      max: 3600,
      step: 1,
      mode: 'box',
      unit_of_measurement: 's',
      device_class: 'duration',
      command_topic: t.set('loop'),
      command_template: '{"action": "settings", "image_duration": {{ value }}}',
      state_topic: t.state('loop'),
      value_template: '{{ value_json.image_duration }}',
    }),
  },
];
