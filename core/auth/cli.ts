// `loop passwd --owner`, `loop token create|list|revoke` and `loop setup-code`, run on the device:
// they edit the files in <data dir>/auth directly (a running Loop notices and reloads them). Run as
// root, every file they write goes to the data dir's owner (file-owner.ts).
import { DeviceSecret, HOTSPOT_PASSWORD, SETUP_CODE, showCode } from './device-secret.js';
import { dataDirOwner } from './file-owner.js';
import { AuthFiles, authDir } from './files.js';
import { lockedMessage } from './locked.js';
import { hashOwnerPassword, passwordProblem } from './password.js';
import { makeToken, tokenNameProblem } from './service.js';

/**
 * A secret from a pipe: one line, or the same line twice (what a person types at "password, again";
 * `printf 'pw\npw\n' | loop passwd --owner`). A secret never holds a line break.
 */
export function secretFromPipe(text: string): string {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length <= 1) return lines[0] ?? '';
  if (lines.length === 2 && lines[0] === lines[1]) return lines[0] ?? '';
  if (lines.length === 2) throw new Error('the two passwords differ; nothing changed');
  throw new Error(`expected one line (or the same line twice), got ${lines.length} lines; nothing changed`);
}

/** Reads a secret: from a pipe (see secretFromPipe), from a terminal without echo. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return secretFromPipe(text);
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const done = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    stdin.on('data', onData);
  });
}

/** Sets the owner password and ends every session (a reset is for a lost or leaked password). */
export async function resetOwner(dataDir: string, password: string): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  const files = new AuthFiles(authDir(dataDir), dataDirOwner(dataDir));
  await files.load();
  await files.write('owner', { password_hash: await hashOwnerPassword(password), changed_at: new Date().toISOString() });
  await files.write('sessions', []);
}

export async function tokenCommand(dataDir: string, sub: string | undefined, arg: string | undefined): Promise<number> {
  const files = new AuthFiles(authDir(dataDir), dataDirOwner(dataDir));
  const read = await files.load();
  // Never write over a damaged tokens file: it would silently drop what it held.
  if (read.problems.tokens) throw new Error(lockedMessage({ tokens: read.problems.tokens }, (n) => files.path(n)));
  const data = read.data;
  switch (sub) {
    case 'create': {
      const problem = tokenNameProblem(arg);
      if (problem) throw new Error(`usage: loop token create NAME (${problem})`);
      const { record, token } = makeToken((arg as string).trim());
      await files.write('tokens', [...data.tokens, record]);
      console.log(`id ${record.id}, name ${record.name}. The token (shown only now):\n${token}`);
      return 0;
    }
    case 'list':
      if (data.tokens.length === 0) console.log('no API tokens');
      for (const t of data.tokens)
        console.log(`${t.id}  ${JSON.stringify(t.name)}  created ${t.created_at}${t.last_used_at ? `  last used ${t.last_used_at}` : ''}`);
      return 0;
    case 'revoke': {
      const left = data.tokens.filter((t) => t.id !== arg);
      if (!arg || left.length === data.tokens.length) {
        console.error(`no token with id ${JSON.stringify(arg ?? '')} (loop token list shows them)`);
        return 1;
      }
      await files.write('tokens', left);
      console.log(`revoked ${arg}`);
      return 0;
    }
  }
  console.error('usage: loop token create NAME | list | revoke ID   [--config FILE]');
  return 2;
}

/**
 * `loop setup-code`: what the device's screen shows, for a device without one (install.sh prints it):
 * the claim's setup code while unclaimed, and the setup hotspot's password (unless the config sets one).
 */
export async function setupCodeCommand(
  dataDir: string,
  opts: { claimCode: boolean; hotspot: { ssid: string; password: string | null } | null },
): Promise<number> {
  const owner = dataDirOwner(dataDir);
  const files = new AuthFiles(authDir(dataDir), owner);
  const read = await files.load();
  if (Object.keys(read.problems).length) {
    console.error(lockedMessage(read.problems, (n) => files.path(n)));
    return 1;
  }
  if (read.data.owner) console.log('This device is claimed: log in with the owner password (no setup code is needed).');
  else if (!opts.claimCode) console.log('auth.claim_code is false: the first visitor claims this device without a code.');
  else
    console.log(
      `Setup code (type it when the page asks to claim the device): ${showCode(await new DeviceSecret(dataDir, SETUP_CODE, owner).ensure())}`,
    );
  if (opts.hotspot) {
    const password = opts.hotspot.password ?? (await new DeviceSecret(dataDir, HOTSPOT_PASSWORD, owner).ensure());
    console.log(`Setup hotspot: network "${opts.hotspot.ssid}", password ${password}`);
  }
  return 0;
}
