/**
 * Oracle: erofs-utils' fsck.erofs (1.5 on Debian 12), which has `--device=` for extra devices.
 * It must accept the bootstrap with its expanded blobs, and `--extract` must give the model's tree.
 * fsck.erofs 1.5 extracts hard links as separate files, does not restore xattrs and chowns after
 * chmod (which clears setuid/setgid on files), so those are not compared on the extraction; the
 * kernel mount test covers them. It also mishandles holes when extracting: the data after a hole
 * is written where the hole starts and the file is not extended to its size (the kernel reads
 * the same files correctly), so files with holes are left out of the extraction comparison.
 * It reports a bad superblock checksum on stderr but still exits 0.
 */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bootstrap, HOLE, decodeSuperblock, superblockChecksum, writeBootstrap } from '../../src/format/index.js';
import { writeBlobFiles } from './helpers/blob-files.js';
import { readV1Fixture } from './helpers/v1-fixture.js';
import { tempDir } from './helpers/mount.js';
import { richModel } from './helpers/rich-model.js';
import { compareTree } from './helpers/tree-compare.js';
test('fsck.erofs --device=<blob>… accepts the bootstrap and extracts the model', (t) => {
    const dir = tempDir(t, 'fsck');
    const meta = richModel();
    const boot = join(dir, 'image.boot');
    writeFileSync(boot, writeBootstrap(meta));
    const blobs = writeBlobFiles(meta, dir);
    const devices = blobs.paths.map((p) => `--device=${p}`);
    const check = spawnSync('fsck.erofs', [...devices, boot], { encoding: 'utf8' });
    t.is(check.status, 0, check.stdout + check.stderr);
    const out = join(dir, 'extract');
    execFileSync('fsck.erofs', [...devices, `--extract=${out}`, boot], { stdio: 'pipe' });
    const hasHole = (_, node) => node.kind === 'file' && node.chunks.includes(HOLE);
    t.deepEqual(compareTree(out, meta, blobs.contents, { xattrs: false, links: false, setid: false, skip: hasHole }), []);
});
test('fsck.erofs computes the same superblock checksum as darner for a corrupted block 0 (darner v1)', (t) => {
    // v1 (darner's own layout, still read) carries the EROFS superblock checksum; RAFS v6 cannot.
    const dir = tempDir(t, 'fsck-bad');
    const bytes = readV1Fixture('v1-multiblob.boot');
    const meta = Bootstrap.parse(bytes).toMetadata();
    const stored = decodeSuperblock(bytes).checksum;
    const good = join(dir, 'good.boot');
    writeFileSync(good, bytes);
    bytes[4000] ^= 0xff;
    const bad = join(dir, 'bad.boot');
    writeFileSync(bad, bytes);
    const blobs = writeBlobFiles(meta, dir);
    const devices = blobs.paths.map((p) => `--device=${p}`);
    const hex8 = (n) => n.toString(16).padStart(8, '0');
    const fine = spawnSync('fsck.erofs', ['-d0', ...devices, good], { encoding: 'utf8' });
    t.false(fine.stderr.includes('chksum'), fine.stderr);
    const check = spawnSync('fsck.erofs', ['-d0', ...devices, bad], { encoding: 'utf8' });
    t.true(check.stderr.includes(`saved(${hex8(stored)}h) calculated(${hex8(superblockChecksum(bytes))}h)`), check.stderr);
});
//# sourceMappingURL=fsck.test.js.map