// A finished resumable upload goes into the library without a second write where the disk allows:
// renamed on one filesystem (the same inode: nothing copied), copied then removed across two
// (/dev/shm is a tmpfs, the temp dir is not); its hash read once; and the page's job id for it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { hashFile, moveFile } from '../../plugins/media/move-file.js';
import { tusJobId } from '../../core/protocol/uploads.js';
import { skipBecause } from '../helpers/skip.js';

describe('moving a finished upload into the library', () => {
  const dirs: string[] = [];
  const dir = (root = tmpdir()): string => {
    const d = mkdtempSync(join(root, 'loop-move-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const bytes = randomBytes(3 * 1024 * 1024 + 17);

  it('renames on one filesystem: the same inode, the source gone', async () => {
    const from = join(dir(), 'upload');
    writeFileSync(from, bytes);
    const inode = statSync(from).ino;
    const to = join(dir(), 'incoming.upload');
    await moveFile(from, to);
    expect(existsSync(from)).to.equal(false);
    expect(statSync(to).ino, 'renamed, not copied').to.equal(inode);
  });

  it('copies across filesystems (EXDEV), then removes the source', async function () {
    if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(tmpdir()).dev)
      skipBecause(this, "no second filesystem here (/dev/shm on the temp dir's device)");
    const from = join(dir('/dev/shm'), 'upload');
    writeFileSync(from, bytes);
    const to = join(dir(), 'incoming.upload');
    await moveFile(from, to);
    expect(existsSync(from)).to.equal(false);
    expect(readFileSync(to).equals(bytes)).to.equal(true);
  });

  it('hashes the file as a whole: SHA-256 and size', async () => {
    const path = join(dir(), 'f');
    writeFileSync(path, bytes);
    expect(await hashFile(path)).to.deep.equal({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
  });

  it("names a tus upload's job as a UUID of its id, and nothing else", () => {
    expect(tusJobId('0123456789abcdef0123456789abcdef')).to.equal('01234567-89ab-cdef-0123-456789abcdef');
    expect(tusJobId('../etc/passwd')).to.equal(null);
    expect(tusJobId('0123456789ABCDEF0123456789ABCDEF')).to.equal(null);
  });
});
