// A sysfs backlight (/sys/class/backlight/<name>/{brightness,max_brightness,bl_power}): found,
// read and written. bl_power takes the framebuffer blanking levels: 0 = on, 4 = powered down.
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class Backlight {
  private constructor(
    readonly dir: string,
    readonly max: number,
    readonly hasPower: boolean,
  ) {}

  /** `configured`: "auto" (the first device under root), a device directory, or null (none). */
  static async find(configured: string | null, root: string): Promise<Backlight | null> {
    if (configured === null) return null;
    const dirs =
      configured === 'auto'
        ? await readdir(root).then(
            (n) => n.sort().map((x) => join(root, x)),
            () => [],
          )
        : [configured];
    // A device that cannot be read is not usable: the next one is tried (a missing root means none).
    for (const dir of dirs) {
      const max = Number((await readFile(join(dir, 'max_brightness'), 'utf8').catch(() => '')).trim());
      if (!Number.isInteger(max) || max <= 0) continue;
      const hasPower = await access(join(dir, 'bl_power')).then(
        () => true,
        () => false,
      );
      return new Backlight(dir, max, hasPower);
    }
    return null;
  }

  /** 0..100 → the device's scale (rounded; 1..100 never rounds down to 0, which many panels treat as off). */
  async setBrightness(percent: number): Promise<void> {
    const raw = percent <= 0 ? 0 : Math.max(1, Math.round((percent / 100) * this.max));
    await writeFile(join(this.dir, 'brightness'), `${raw}\n`);
  }

  async brightness(): Promise<number> {
    const raw = Number((await readFile(join(this.dir, 'brightness'), 'utf8')).trim());
    return Math.round((raw / this.max) * 100);
  }

  async setPower(on: boolean): Promise<void> {
    await writeFile(join(this.dir, 'bl_power'), on ? '0\n' : '4\n');
  }
}
