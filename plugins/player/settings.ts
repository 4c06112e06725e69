// The player's stored settings (state/player.settings.json): volume and mute, kept across restarts
// and answered after the write. A write that fails (a full disk) puts mpv back to what is stored.
import { Type, type Static } from '@sinclair/typebox';
import type { StateStore, JsonDocument } from '../../core/store/store.js';
import type { MpvIpc } from './mpv-ipc.js';

const Settings = Type.Object({ volume: Type.Number(), muted: Type.Boolean() });
type Settings = Static<typeof Settings>;

export class PlayerSettings {
  private constructor(private readonly doc: JsonDocument<Settings>) {}

  static async open(store: StateStore, volume: number): Promise<PlayerSettings> {
    const doc = await store.open<Settings>('settings', { version: 1, schema: Settings, defaults: () => ({ volume, muted: false }) });
    return new PlayerSettings(doc);
  }

  get volume(): number {
    return this.doc.get().volume;
  }

  get muted(): boolean {
    return this.doc.get().muted;
  }

  async setVolume(mpv: MpvIpc, volume: number): Promise<void> {
    const before = this.volume;
    await mpv.volume(volume);
    await this.keep({ volume }, () => mpv.volume(before));
  }

  async setMute(mpv: MpvIpc, muted: boolean): Promise<void> {
    await mpv.mute(muted);
    await this.keep({ muted }, () => mpv.mute(!muted));
  }

  private async keep(change: Partial<Settings>, undo: () => Promise<unknown>): Promise<void> {
    try {
      await this.doc.set({ ...this.doc.get(), ...change });
    } catch (err) {
      // Not saved: mpv goes back to the stored setting. If that fails too mpv is gone, and a new one
      // starts with the stored setting anyway; the caller needs the write's error, not this one.
      await undo().catch(() => undefined);
      throw err;
    }
  }

  flush(): Promise<void> {
    return this.doc.flush();
  }
}
