// `loop passwd --owner` and `loop token create|list|revoke`, run on the device: they edit the
// files in <data dir>/auth directly (a running Loop notices and reloads them).
import { AuthFiles, authDir } from './files.js';
import { hashOwnerPassword, passwordProblem } from './password.js';
import { makeToken, tokenNameProblem } from './service.js';

/** Reads a secret: from a pipe as is, from a terminal without echo. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
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
  const files = new AuthFiles(authDir(dataDir));
  await files.load();
  await files.write('owner', { password_hash: await hashOwnerPassword(password), changed_at: new Date().toISOString() });
  await files.write('sessions', []);
}

export async function tokenCommand(dataDir: string, sub: string | undefined, arg: string | undefined): Promise<number> {
  const files = new AuthFiles(authDir(dataDir));
  const data = await files.load();
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
