// Display entities (only while the display plugin runs): brightness and whether the screen is on.
// Commands use the display plugin's `brightness` shorthand on display/set.
import { displayActions } from '../../../core/protocol/display.js';
import { onOff, type EntityDef } from '../entity.js';
import { rangeOf } from '../range.js';

const brightnessRange = rangeOf(displayActions.brightness.request.properties.brightness, 1, 'display brightness');

export const displayEntities: EntityDef[] = [
  {
    id: 'brightness',
    platform: 'number',
    needs: 'display',
    options: ({ t }) => ({
      name: 'Brightness',
      icon: 'mdi:brightness-6',
      ...brightnessRange,
      mode: 'slider',
      unit_of_measurement: '%',
      command_topic: t.set('display'),
      command_template: '{"brightness": {{ value | int }}}',
      state_topic: t.state('display'),
      value_template: '{{ value_json.brightness }}',
    }),
  },
  {
    id: 'screen_on',
    platform: 'binary_sensor',
    needs: 'display',
    options: ({ t }) => ({
      name: 'Screen on',
      device_class: 'power',
      state_topic: t.state('display'),
      value_template: onOff("value_json.power in [true, 'on', 'ON']"),
    }),
  },
];
