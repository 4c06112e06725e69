// The owner's settings while Loop runs: the stored choice (state/settings.json, atomic, versioned,
// generations kept), the config it made at start, and the one way to change it. Handed to plugins
// as `ctx.ownerSettings`; the system plugin serves it (actions `settings`, `update_settings`).
import {
  ActionError,
  OWNER_SETTING_NAMES,
  type OwnerSettingName,
  type OwnerSettingsChoice,
  type OwnerSettingsPatch,
  type OwnerSettingsReport,
  type SettingInfo,
} from '../protocol/index.js';
import type { JsonDocument, StateStore } from '../store/store.js';
import {
  OWNER_SETTINGS_DOCUMENT,
  ownerSettingsDocument,
  overlayConfig,
  settingValues,
  SETTING_PLACES,
  type PinnedSettings,
} from './owner-settings.js';
import type { LoopConfig } from './schema.js';
import type { Problem } from './validate.js';

export interface OwnerSettingsOptions {
  /** The config as loaded: defaults, the user's file and LOOP_* variables, without the owner's choice. */
  given: LoopConfig;
  pinned: PinnedSettings;
  /** The one config schema's check of a whole config (core/config/load.ts validateConfig). */
  validate: (config: LoopConfig) => Problem[];
}

export class OwnerSettings {
  /** The config this run uses: `given` with the choice read at start laid over it (when it fit the schema). */
  readonly running: LoopConfig;
  /** Why the stored choice is not (all) in force, for the page; cleared by the owner's next save. */
  private problem: string | null;

  private constructor(
    private readonly doc: JsonDocument<OwnerSettingsChoice>,
    private readonly opts: OwnerSettingsOptions,
    problem: string | null,
    applied: boolean,
  ) {
    this.problem = problem;
    this.running = applied ? overlayConfig(opts.given, doc.get(), opts.pinned) : opts.given;
  }

  /**
   * Reads the stored choice through the store's one checked read: a damaged file is kept aside and
   * reported (log and bridge/event, by the store), an earlier generation used when one is good, and
   * the problem stays in every report until the owner saves again.
   */
  static async open(store: StateStore, opts: OwnerSettingsOptions): Promise<OwnerSettings> {
    const doc = await store.open(OWNER_SETTINGS_DOCUMENT, ownerSettingsDocument);
    const kept = Object.keys(doc.get()).length > 0;
    let problem = doc.restored
      ? `The saved settings were damaged and kept aside beside ${doc.path}; ${kept ? 'an earlier copy applies' : "the config file's values apply"}.`
      : null;
    // A stored choice the config no longer accepts (a schema tightened since) is not applied, and said so.
    const problems = opts.validate(overlayConfig(opts.given, doc.get(), opts.pinned));
    if (problems.length) problem = `The saved settings do not fit this config (${describe(problems)}); the config file's values apply.`;
    return new OwnerSettings(doc, opts, problem, problems.length === 0);
  }

  report(): OwnerSettingsReport {
    const choice = this.doc.get();
    const chosen = settingValues(overlayConfig(this.opts.given, choice, this.opts.pinned));
    const running = settingValues(this.running);
    const info = (name: OwnerSettingName): SettingInfo => {
      const pinnedBy = this.opts.pinned[name];
      const applies = SETTING_PLACES[name].applies;
      return {
        source: pinnedBy ?? (choice[name] !== undefined ? 'owner' : 'default'),
        pinned: pinnedBy !== undefined,
        applies,
        restart_pending: applies === 'restart' && chosen[name] !== running[name],
      };
    };
    return {
      values: chosen,
      settings: {
        device_name: info('device_name'),
        fit: info('fit'),
        timeline: info('timeline'),
        homeassistant: info('homeassistant'),
      },
      problem: this.problem,
    };
  }

  /** Applies a change and answers once it is on disk; a pinned setting or a config the schema refuses changes nothing. */
  async update(patch: OwnerSettingsPatch): Promise<OwnerSettingsReport> {
    const next: OwnerSettingsChoice = { ...this.doc.get() };
    for (const name of OWNER_SETTING_NAMES) {
      if (!(name in patch)) continue;
      const pinnedBy = this.opts.pinned[name];
      if (pinnedBy) {
        throw new ActionError(
          'conflict',
          `${name} is set by ${pinnedBy === 'file' ? 'the config file' : 'a LOOP_* environment variable'}: change it there`,
        );
      }
      const value = patch[name];
      if (value === null) delete next[name];
      else Object.assign(next, { [name]: value });
    }
    const problems = this.opts.validate(overlayConfig(this.opts.given, next, this.opts.pinned));
    if (problems.length) throw new ActionError('invalid', describe(problems));
    await this.doc.set(next);
    this.problem = null;
    return this.report();
  }
}

function describe(problems: Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}
