// The owner's settings, served: the report, a change (answered once stored), and the retained
// `settings` topic that plugins applying a setting live follow (media: the fit of new uploads).
import type { PluginContext } from '../../core/plugins/api.js';
import type { OwnerSettingsPatch, OwnerSettingsReport } from '../../core/protocol/index.js';

export async function serveSettings(ctx: PluginContext<unknown>) {
  const publish = async (report: OwnerSettingsReport): Promise<OwnerSettingsReport> => {
    await ctx.bus.publish('settings', report, { retain: true });
    return report;
  };
  const first = await publish(ctx.ownerSettings.report());
  // The store has logged it already, before the bus was up: said again where the pages hear it.
  if (first.problem) ctx.notify('error', first.problem, undefined, 'settings');
  return {
    settings: async () => ctx.ownerSettings.report(),
    update_settings: async (patch: OwnerSettingsPatch) => {
      const before = ctx.ownerSettings.report().values.homeassistant;
      const report = await publish(await ctx.ownerSettings.update(patch));
      if (report.values.homeassistant !== before) await tellHomeAssistant(ctx, report.values.homeassistant);
      return report;
    },
  };
}

/**
 * Home Assistant on/off applies fully at the next start (the plugin list); meanwhile a running
 * homeassistant plugin takes the device out of Home Assistant now, or puts it back, so the switch
 * means what it says at once.
 */
async function tellHomeAssistant(ctx: PluginContext<unknown>, on: boolean): Promise<void> {
  const running = ctx.bus.last('bridge/info')?.plugins.some((p) => p.id === 'homeassistant' && p.state === 'running');
  if (!running) return;
  try {
    await ctx.bus.request('homeassistant', on ? 'announce' : 'remove', {}, { timeoutMs: 5000 });
  } catch (err) {
    // The setting is stored and applies at the next start whatever happens here: worth a line, not a refusal.
    ctx.log.warn({ err: (err as Error).message }, `Home Assistant not told at once (${on ? 'announce' : 'remove'})`);
  }
}
