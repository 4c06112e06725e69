// Player entities: what plays, its state, play/pause, next/previous, volume, the OSD notify, thumbnail.
import { PlayerStateName, playerActions } from '../../../core/protocol/player.js';
import { HA_THUMBNAIL_TOPIC } from '../../../core/protocol/homeassistant.js';
import { onOff, type EntityDef } from '../entity.js';
import { rangeOf } from '../range.js';

const playerStates = PlayerStateName.anyOf.map((s) => s.const);
const volumeRange = rangeOf(playerActions.volume.request.properties.volume, 1, 'player volume');

export const playerEntities: EntityDef[] = [
  {
    id: 'state',
    platform: 'sensor',
    needs: 'player',
    options: ({ t }) => ({
      name: 'Player state',
      device_class: 'enum',
      options: playerStates,
      icon: 'mdi:play-box-outline',
      state_topic: t.state('player'),
      value_template: '{{ value_json.state }}',
    }),
  },
  {
    id: 'title',
    platform: 'sensor',
    needs: 'player',
    options: ({ t }) => ({
      name: 'Title',
      icon: 'mdi:movie-open',
      state_topic: t.state('player'),
      value_template: '{{ value_json.title }}',
    }),
  },
  {
    // Ticks each second: off by default so Home Assistant's recorder is not flooded.
    id: 'position',
    platform: 'sensor',
    needs: 'player',
    options: ({ t }) => ({
      name: 'Position',
      device_class: 'duration',
      unit_of_measurement: 's',
      enabled_by_default: false,
      state_topic: t.state('player/position'),
      value_template: '{{ value_json.position | round(1) }}',
    }),
  },
  {
    id: 'duration',
    platform: 'sensor',
    needs: 'player',
    options: ({ t }) => ({
      name: 'Duration',
      device_class: 'duration',
      unit_of_measurement: 's',
      state_topic: t.state('player'),
      value_template: '{{ value_json.duration }}',
    }),
  },
  {
    id: 'playing',
    platform: 'switch',
    needs: 'player',
    options: ({ t }) => ({
      name: 'Playing',
      icon: 'mdi:play-pause',
      command_topic: t.set('player'),
      payload_on: 'play',
      payload_off: 'pause',
      state_topic: t.state('player'),
      value_template: onOff("value_json.state == 'playing'"),
      state_on: 'ON',
      state_off: 'OFF',
    }),
  },
  {
    id: 'next',
    platform: 'button',
    needs: 'player',
    options: ({ t }) => ({ name: 'Next', icon: 'mdi:skip-next', command_topic: t.set('player'), payload_press: 'next' }),
  },
  {
    id: 'previous',
    platform: 'button',
    needs: 'player',
    options: ({ t }) => ({ name: 'Previous', icon: 'mdi:skip-previous', command_topic: t.set('player'), payload_press: 'previous' }),
  },
  {
    id: 'volume',
    platform: 'number',
    needs: 'player',
    options: ({ t }) => ({
      name: 'Volume',
      icon: 'mdi:volume-high',
      ...volumeRange,
      mode: 'slider',
      unit_of_measurement: '%',
      command_topic: t.set('player'),
      command_template: '{"volume": {{ value }}}',
      state_topic: t.state('player'),
      value_template: '{{ value_json.volume }}',
    }),
  },
  {
    id: 'message',
    platform: 'notify',
    needs: 'player',
    options: ({ t, config }) => ({
      name: 'Screen message',
      icon: 'mdi:message-text',
      command_topic: t.set('player'),
      command_template: `{"action": "show_text", "text": {{ value | tojson }}, "seconds": ${config.notify_seconds}}`,
    }),
  },
  {
    id: 'thumbnail',
    platform: 'image',
    needs: 'player',
    enabled: ({ config }) => config.thumbnail,
    options: ({ t }) => ({ name: 'Thumbnail', image_topic: t.state(HA_THUMBNAIL_TOPIC), content_type: 'image/jpeg' }),
  },
  {
    // Options are human names; this plugin maps them back to slugs (play_clip) and publishes the current one.
    id: 'clip',
    platform: 'select',
    needs: 'player',
    enabled: ({ clipNames }) => clipNames.length > 0,
    options: ({ t, clipNames }) => ({
      name: 'Clip',
      icon: 'mdi:playlist-play',
      options: [...clipNames],
      command_topic: t.set('homeassistant'),
      command_template: '{"play_clip": {{ value | tojson }}}',
      state_topic: t.state('homeassistant/clip'),
      value_template: '{{ value_json.name }}',
    }),
  },
];
