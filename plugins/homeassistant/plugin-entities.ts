// Entities other plugins declare (`LoopPlugin.entities`, published per plugin in bridge/info), turned
// into entity definitions like this plugin's own: a sensor reads one field of one of its plugin's
// state topics, a button sends one of its plugin's actions to `<plugin>/set`. Component ids are
// `<plugin>_<id>`; one that clashes with an own entity's is left out. Pure.
import type { PluginEntity, PluginStatus } from '../../core/protocol/index.js';
import type { EntityDef, EntityContext } from './entity.js';

/** `disk.free` → `value_json['disk']['free']` (field names are checked against the contract's pattern). */
const fieldPath = (field: string): string =>
  field
    .split('.')
    .map((part) => `['${part}']`)
    .join('');

function optionsOf(plugin: string, entity: PluginEntity): EntityDef['options'] {
  const icon = entity.icon ? { icon: entity.icon } : {};
  if (entity.platform === 'button')
    return ({ t }: EntityContext) => ({ name: entity.name, command_topic: t.set(plugin), payload_press: entity.action, ...icon });
  return ({ t }: EntityContext) => ({
    name: entity.name,
    state_topic: t.state(entity.topic),
    value_template: `{{ value_json${fieldPath(entity.field)} }}`,
    ...(entity.unit ? { unit_of_measurement: entity.unit } : {}),
    ...(entity.device_class ? { device_class: entity.device_class } : {}),
    ...(entity.state_class ? { state_class: entity.state_class } : {}),
    ...icon,
  });
}

/** The entities the plugins in bridge/info declare, whatever their state (discovery decides what runs). */
export function pluginEntities(plugins: readonly PluginStatus[], own: readonly EntityDef[]): EntityDef[] {
  const taken = new Set(own.map((def) => def.id));
  return plugins.flatMap((status) =>
    (status.entities ?? []).flatMap((entity): EntityDef[] => {
      const id = `${status.id}_${entity.id}`;
      if (taken.has(id)) return [];
      taken.add(id);
      return [{ id, platform: entity.platform, needs: status.id, options: optionsOf(status.id, entity) }];
    }),
  );
}
