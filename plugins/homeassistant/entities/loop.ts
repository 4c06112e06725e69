// Loop entities: mode, how often each clip repeats, how long a still stays.
import { loopActions } from '../../../core/protocol/loop.js';
import { LoopMode } from '../../../core/protocol/player.js';
import type { EntityDef } from '../entity.js';
import { rangeOf } from '../range.js';

const settings = loopActions.settings.request.properties;
const repeatRange = rangeOf(settings.repeat, 1, 'loop settings repeat');
// Loop takes any positive number of seconds; a tenth is HA's smallest step here.
const stillRange = rangeOf(settings.image_duration, 0.1, 'loop settings image_duration');

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
      ...repeatRange,
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
      ...stillRange,
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
