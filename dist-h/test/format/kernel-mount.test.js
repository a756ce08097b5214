/**
 * Oracle: the Linux EROFS driver. A bootstrap plus its expanded blobs, mounted with
 * `-o device=…`, must show exactly the model: types, modes, owners, sizes, bytes, symlinks,
 * device numbers, xattrs, hard links (st_ino = nid) and mtimes.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Bootstrap, writeBootstrap } from '../../src/format/index.js';
import { FIXTURES } from '../../fixtures/make-bootstraps.js';
import { writeBlobFiles } from './helpers/blob-files.js';
import { readGoldenBootstrap, readV1Fixture } from './helpers/v1-fixture.js';
import { attachLoop, mountErofs, tempDir } from './helpers/mount.js';
import { richModel } from './helpers/rich-model.js';
import { compareTree } from './helpers/tree-compare.js';
for (const chunkSize of [4096, 16384]) {
    test(`kernel mount with device= shows the model (${chunkSize}-byte chunks)`, (t) => {
        const dir = tempDir(t, 'kernel');
        const meta = richModel(chunkSize);
        const bytes = writeBootstrap(meta);
        const boot = join(dir, 'image.boot');
        writeFileSync(boot, bytes);
        const blobs = writeBlobFiles(meta, dir);
        const mnt = mountErofs(t, boot, blobs.paths, dir);
        const bs = Bootstrap.parse(bytes);
        const nids = new Map([...bs.walk()].map((e) => [e.path, e.nid]));
        t.deepEqual(compareTree(mnt, meta, blobs.contents, { xattrs: true, links: true, setid: true, inodeNumbers: nids }), []);
        // statfs counts the superblock's blocks (RAFS v6: the blobs' blocks) plus every device's.
        const total = Number(execFileSync('stat', ['-f', '-c', '%b', mnt], { encoding: 'utf8' }).trim());
        const deviceBlocks = bs.image.devices.reduce((sum, d) => sum + d.blocks, 0);
        t.is(total, bs.image.superblock.blocks + deviceBlocks);
    });
}
for (const [name, model] of Object.entries(FIXTURES)) {
    test(`kernel mount of golden ${name} shows its model`, (t) => {
        const dir = tempDir(t, 'golden');
        const meta = model();
        const boot = join(dir, name);
        writeFileSync(boot, readGoldenBootstrap(name));
        const blobs = writeBlobFiles(meta, dir);
        const mnt = mountErofs(t, boot, blobs.paths, dir);
        t.deepEqual(compareTree(mnt, meta, blobs.contents, { xattrs: true, links: true, setid: true }), []);
    });
}
test('kernel mount of `cat bootstrap blob0 blob1 blob2` without device= reads the same bytes', async (t) => {
    const dir = tempDir(t, 'flat');
    const meta = richModel();
    const bytes = writeBootstrap(meta);
    const blobs = writeBlobFiles(meta, dir);
    const flat = join(dir, 'flat.img');
    await pipeline(Readable.from([bytes, ...blobs.contents]), createWriteStream(flat));
    const mnt = mountErofs(t, flat, [], dir);
    t.deepEqual(compareTree(mnt, meta, blobs.contents, { xattrs: false, links: true, setid: true }), []);
});
test('kernel refuses a darner v1 bootstrap whose superblock checksum is wrong', (t) => {
    // v1 (darner's own layout, still read) carries the EROFS superblock checksum; RAFS v6 cannot.
    const dir = tempDir(t, 'badsum');
    const bytes = readV1Fixture('v1-multiblob.boot');
    const meta = Bootstrap.parse(bytes).toMetadata();
    bytes[0x480 + 0x40] ^= 1; // a reserved byte of the darner header: covered by the checksum
    const boot = join(dir, 'image.boot');
    writeFileSync(boot, bytes);
    const blobs = writeBlobFiles(meta, dir);
    const devices = blobs.paths.map((p) => attachLoop(t, p));
    const loop = attachLoop(t, boot);
    const mnt = join(dir, 'mnt');
    execFileSync('mkdir', ['-p', mnt]);
    const error = t.throws(() => execFileSync('mount', ['-t', 'erofs', '-o', ['ro', ...devices.map((d) => `device=${d}`)].join(','), loop, mnt], { stdio: 'pipe' }));
    if (!error)
        execFileSync('umount', [mnt]);
});
//# sourceMappingURL=kernel-mount.test.js.map