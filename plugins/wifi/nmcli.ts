// Running nmcli: execFile with an argument array (never a shell), terse and escaped output, English
// messages in UTF-8 (C.UTF-8: LANG=C would make GLib print '?' for every non-ASCII character), and
// passwords kept out of every log line. Also turns nmcli's failures into reasons people understand.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { WifiFailure } from '../../core/protocol/index.js';

export interface NmcliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Arguments that follow these words are secrets. */
const SECRET_KEYS = new Set(['password', 'wifi-sec.psk', '802-11-wireless-security.psk', 'psk']);

export function redact(args: readonly string[]): string[] {
  return args.map((a, i) => (i > 0 && SECRET_KEYS.has(args[i - 1] as string) ? '***' : a));
}

export const NMCLI_ENV = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', LANGUAGE: '' };

export class NmcliMissing extends Error {}

export class Nmcli {
  constructor(
    private readonly bin: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Runs nmcli; resolves with its exit code and output (a non-zero exit is not an exception). */
  run(args: readonly string[], timeoutMs = 20_000): Promise<NmcliResult> {
    const argv = ['-t', '-e', 'yes', ...args];
    return new Promise((resolve, reject) => {
      execFile(
        this.bin,
        argv,
        { env: { ...this.env, ...NMCLI_ENV }, timeout: timeoutMs, maxBuffer: 4 << 20, killSignal: 'SIGTERM' },
        (err, stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new NmcliMissing(`nmcli not found (${this.bin})`));
          if (err && (err as NodeJS.ErrnoException).code === 'EACCES')
            return reject(new NmcliMissing(`nmcli cannot be run (${this.bin}: permission denied)`));
          const code = err ? (typeof err.code === 'number' ? err.code : err.killed ? 3 : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }

  /** The long-running `nmcli monitor`. */
  monitor(): ChildProcess {
    return spawn(this.bin, ['monitor'], { env: { ...this.env, ...NMCLI_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

/** nmcli's exit code 8: NetworkManager is not running. */
export const NM_NOT_RUNNING = 8;

/** The first `Error: ...` line of nmcli's output, without the prefix. */
export function errorText(r: NmcliResult): string {
  const line = `${r.stderr}\n${r.stdout}`.split('\n').find((l) => l.startsWith('Error:'));
  return (line ?? (r.stderr.trim() || `nmcli exited with ${r.code}`)).replace(/^Error:\s*/, '');
}

type Reason = WifiFailure['reason'];

/** Failure texts of NetworkManager (1.42) by what they mean for the person connecting; first match wins. */
const REASONS: ReadonlyArray<[RegExp, Reason]> = [
  [/Secrets were required|\(7\)|802-1x supplicant|wrong password|psk: property is invalid|Invalid PSK/i, 'wrong_password'],
  [/No network with SSID|could not be found|\(53\)|SSID not found|unknown connection/i, 'not_found'],
  [/Timeout expired|timed out|\(3\)$/i, 'timeout'],
  [/not available|device is busy|Scanning not allowed|unavailable|in progress|\(5\)/i, 'busy'],
];

const MESSAGES: Record<Reason, (ssid: string) => string> = {
  wrong_password: (s) => `Wrong password for "${s}". Check it and try again.`,
  not_found: (s) => `The network "${s}" is not in range (or its name is spelled differently).`,
  busy: () => 'The WiFi adapter is busy or switched off. Try again in a moment.',
  timeout: (s) => `"${s}" did not answer in time. Move Loop closer to the router and try again.`,
  failed: (s) => `Could not join "${s}".`,
};

export function classify(r: NmcliResult, ssid: string): { reason: Reason; message: string; detail: string } {
  const detail = errorText(r);
  let reason: Reason = 'failed';
  if (r.code === 3) reason = 'timeout';
  else if (r.code === 10 && /SSID/.test(detail)) reason = 'not_found';
  else reason = REASONS.find(([re]) => re.test(detail))?.[1] ?? 'failed';
  return { reason, message: `${MESSAGES[reason](ssid)}${reason === 'failed' ? ` (${detail})` : ''}`, detail };
}
