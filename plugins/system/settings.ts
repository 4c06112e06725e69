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
    update_settings: async (patch: OwnerSettingsPatch) => publish(await ctx.ownerSettings.update(patch)),
  };
}
