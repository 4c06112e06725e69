// Samples the machine's health: CPU temperature (sysfs), load, memory, disk, uptime.
import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, hostname, loadavg, platform, totalmem, uptime } from 'node:os';
import type { SystemState } from '../../core/protocol/index.js';

const THERMAL = '/sys/class/thermal/thermal_zone0/temp';

export async function cpuTemperature(path = THERMAL): Promise<number | null> {
  try {
    const milli = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(milli) ? Math.round(milli / 100) / 10 : null;
  } catch {
    // No thermal zone (a VM, a container, some boards): the state says null, the page shows no temperature.
    return null;
  }
}

export async function diskOf(path: string): Promise<{ total: number; free: number; used: number; path: string }> {
  const s = await statfs(path);
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  return { total, free, used: total - s.bfree * s.bsize, path };
}

export async function sampleHealth(dataDir: string, version: string): Promise<SystemState> {
  const total = totalmem();
  const free = freemem();
  return {
    hostname: hostname(),
    version,
    platform: `${platform()} ${process.arch}`,
    cpu_temp: await cpuTemperature(),
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    cpus: cpus().length,
    memory: { total, free, used: total - free, process_rss: process.memoryUsage.rss() },
    disk: await diskOf(dataDir),
    uptime: Math.round(uptime()),
    process_uptime: Math.round(process.uptime()),
    updated_at: new Date().toISOString(),
  };
}

/** Worth republishing? Small drifts are not news; a retained topic that churns wakes every page. */
export function changedMeaningfully(prev: SystemState | null, next: SystemState): boolean {
  if (!prev) return true;
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(a));
  return (
    (prev.cpu_temp === null) !== (next.cpu_temp === null) ||
    Math.abs((prev.cpu_temp ?? 0) - (next.cpu_temp ?? 0)) >= 2 ||
    Math.abs((prev.load[0] ?? 0) - (next.load[0] ?? 0)) >= 0.25 ||
    rel(prev.memory.used, next.memory.used) >= 0.05 ||
    rel(prev.disk.used, next.disk.used) >= 0.01 ||
    next.uptime - prev.uptime >= 600
  );
}
