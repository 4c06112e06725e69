// `loop passwd --owner` fed from a pipe, as scripts and the README do it: one line, or the same line
// twice (password and confirmation); anything else is refused and changes nothing. A password never
// holds a line break (issue 26: `printf 'pw\npw\n' |` used to set "pw\npw").
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOwnerPassword } from '../../core/auth/password.js';
import { runCli } from '../helpers/process.js';
import { tempDir } from '../helpers/loop.js';

const passwd = (dataDir: string, input: string) => runCli(dataDir, ['passwd', '--owner'], input);

async function ownerHash(dataDir: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(join(dataDir, 'auth', 'owner.json'), 'utf8')) as { password_hash?: string }).password_hash ?? null;
  } catch {
    return null; // no owner file yet
  }
}

describe('loop passwd --owner from a pipe', function () {
  this.timeout(20_000);

  it('takes the same line twice as password and confirmation: no newline in the password', async () => {
    const dir = tempDir();
    const r = await passwd(dir, 'correct horse battery\ncorrect horse battery\n');
    expect(r.code, r.out).to.equal(0);
    const hash = await ownerHash(dir);
    expect(hash, 'an owner hash was written').to.be.a('string');
    expect(await checkOwnerPassword('correct horse battery', hash)).to.equal(true);
    expect(await checkOwnerPassword('correct horse battery\ncorrect horse battery', hash)).to.equal(false);
  });

  it('takes one line, with or without its newline', async () => {
    const dir = tempDir();
    expect((await passwd(dir, 'one line only, fine\n')).code).to.equal(0);
    expect(await checkOwnerPassword('one line only, fine', await ownerHash(dir))).to.equal(true);
  });

  it('refuses two different lines and three lines, and changes nothing', async () => {
    const dir = tempDir();
    expect((await passwd(dir, 'the first password\n')).code).to.equal(0);
    const before = await ownerHash(dir);
    const differ = await passwd(dir, 'another password 1\nanother password 2\n');
    expect(differ.code).to.not.equal(0);
    expect(differ.out).to.match(/the two passwords differ; nothing changed/);
    const three = await passwd(dir, 'a long password\na long password\na long password\n');
    expect(three.code).to.not.equal(0);
    expect(three.out).to.match(/got 3 lines; nothing changed/);
    expect(await ownerHash(dir), 'the owner file is untouched').to.equal(before);
  });
});
