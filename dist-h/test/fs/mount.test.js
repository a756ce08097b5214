/**
 * The FUSE layer on a real kernel mount: converted images from a real registry (and an OCI
 * layout) are mounted by a child process (fs layer + origin reads, no daemon) and the mounted
 * tree must equal the source image's layers applied, entry for entry: types, modes, owners,
 * sizes, times, symlink targets, device numbers, xattrs, hard links and contents.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, open, opendir, readFile, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { convertImage } from '../../converter/convert.js';
import { sourceImageTree } from '../../converter/check.js';
import { compareTrees, formatDifference } from '../../src/fstree/index.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { debianMinbaseTar } from '../harness/debian.js';
import { writeTarAsOciLayout } from '../harness/debian-image.js';
import { startRegistry } from '../harness/registry.js';
import { RICH_SIZES, publishRichImage } from '../harness/rich-image.js';
import { atFusePrecision, mountedTree, startMountProcess, xattrsOf } from './helpers/mounted.js';
const run = promisify(execFile);
async function tempDir(t, prefix) {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    await chmod(dir, 0o755); // other users reach the mount through it
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
async function imageParameters(ref) {
    const loaded = await loadImageBootstrap(ref, {});
    await loaded.source.close();
    return loaded.bootstrap;
}
test('a converted three-layer image mounts exactly as its OCI layers apply', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishRichImage(registry.host);
    const mnt = join(await tempDir(t, 'darner-fs-'), 'mnt');
    await mkdir(mnt);
    const mounted = await startMountProcess(image.darnerRef, mnt);
    t.teardown(() => mounted.stop());
    const bootstrap = await imageParameters(image.darnerRef);
    const like = { chunkSize: bootstrap.chunkSize, digestAlgorithm: bootstrap.digestAlgorithm };
    const expected = await sourceImageTree(image.sourceRef, like, {});
    const actual = await mountedTree(mnt, like);
    const differences = compareTrees(expected, actual);
    t.deepEqual(differences.map(formatDifference), []);
    t.true(actual.size >= 40, `${actual.size} entries`);
    // Spot checks that say what the comparison covers.
    for (const [name, size] of Object.entries(RICH_SIZES))
        t.is((await stat(join(mnt, 'sizes', name))).size, size, name);
    const h1 = await stat(join(mnt, 'links/hard-1'));
    const h3 = await stat(join(mnt, 'links/hard-3'));
    t.is(h1.ino, h3.ino, 'hard links across layers share an inode number');
    t.is(h1.nlink, 3);
    const nul = await stat(join(mnt, 'special/null'));
    t.true(nul.isCharacterDevice());
    t.is(nul.rdev, (1 << 8) | 3);
    t.deepEqual(xattrsOf(join(mnt, 'xattrs/file')).get('user.binary'), Buffer.from([0, 1, 2, 255, 0, 10]));
    t.is((await stat(join(mnt, 'xattrs/frac-mtime'), { bigint: true })).mtimeNs % 1000000000n, 500000000n);
    t.deepEqual((await readdir(join(mnt, 'opaque'))).sort(), ['new1']);
    await t.throwsAsync(access(join(mnt, 'gone')), { code: 'ENOENT' });
    t.true((await stat(join(mnt, 'replaced'))).isDirectory());
    t.true((await stat(join(mnt, 'dir-becomes-file'))).isFile());
    t.is(await readFile(join(mnt, 'etc/motd'), 'utf8'), 'layer 2 changed this\n');
    t.is(mounted.stderr, '', 'no warnings from the mount');
});
test('readdir reports entry types (d_type), as overlayfs needs for whiteouts', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishRichImage(registry.host);
    const mnt = join(await tempDir(t, 'darner-fs-'), 'mnt');
    await mkdir(mnt);
    const mounted = await startMountProcess(image.darnerRef, mnt);
    t.teardown(() => mounted.stop());
    // opendir's entries come from getdents alone: the types are d_type, no stat involved.
    const types = new Map();
    for await (const e of await opendir(join(mnt, 'special'))) {
        types.set(e.name, e.isFIFO() ? 'fifo' : e.isCharacterDevice() ? 'chr' : e.isBlockDevice() ? 'blk' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : '?');
    }
    t.deepEqual(Object.fromEntries(types), { fifo: 'fifo', null: 'chr', sda1: 'blk', wide: 'chr' });
    const { stdout } = await run('ls', ['-lR', mnt]);
    t.regex(stdout, /prw-------.*fifo/);
    // Nothing can change the image.
    await t.throwsAsync(writeFile(join(mnt, 'etc/new'), 'x'), { code: 'EROFS' });
    await t.throwsAsync(open(join(mnt, 'etc/motd'), 'r+'), { code: 'EROFS' });
    await t.throwsAsync(mkdir(join(mnt, 'newdir')), { code: 'EROFS' });
    await t.throwsAsync(rm(join(mnt, 'etc/motd')), { code: 'EROFS' });
    await t.throwsAsync(access(join(mnt, 'etc/motd'), constants.W_OK), { code: 'EROFS' });
    const fsStat = await statfs(mnt);
    t.is(fsStat.bsize, 4096);
    t.true(fsStat.blocks > 0);
    t.is(fsStat.bfree, 0);
    const { stdout: mounts } = await run('findmnt', ['-n', '-o', 'FSTYPE,OPTIONS', mnt]);
    t.regex(mounts, /^fuse\.darner\s+ro,/);
    t.regex(mounts, /allow_other/);
    t.regex(mounts, /default_permissions/);
    // default_permissions: an unprivileged user is held to the mode bits.
    await t.throwsAsync(run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', join(mnt, 'modes/secret')]));
    const { stdout: motd } = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', join(mnt, 'etc/motd')]);
    t.is(motd, 'layer 2 changed this\n');
});
test('a Debian minbase root filesystem mounts exactly as its tar', async (t) => {
    const rootfs = await debianMinbaseTar();
    if (!rootfs.ok) {
        t.fail(`no Debian minbase root filesystem: ${rootfs.reason}`);
        return;
    }
    const dir = await tempDir(t, 'darner-fs-debian-');
    const layout = join(dir, 'layout');
    await writeTarAsOciLayout(rootfs.tar, layout, 'minbase');
    await convertImage(`oci:${layout}:minbase`, `oci:${layout}:darner`);
    const mnt = join(dir, 'mnt');
    await mkdir(mnt);
    const mounted = await startMountProcess(`oci:${layout}:darner`, mnt);
    t.teardown(() => mounted.stop());
    const bootstrap = await imageParameters(`oci:${layout}:darner`);
    const like = { chunkSize: bootstrap.chunkSize, digestAlgorithm: bootstrap.digestAlgorithm };
    // The tar (posix format) has nanosecond mtimes; the mount shows their milliseconds.
    const expected = atFusePrecision(await sourceImageTree(`oci:${layout}:minbase`, like, {}));
    const actual = await mountedTree(mnt, like);
    t.deepEqual(compareTrees(expected, actual).map(formatDifference), []);
    t.true(actual.size > 5000, `${actual.size} entries`);
    const { stdout } = await run(join(mnt, 'usr/bin/cat'), [join(mnt, 'etc/debian_version')]).catch(() => ({ stdout: '' }));
    t.log(`debian_version through the mount: ${stdout.trim() || '(binary not runnable outside a chroot)'}`);
});
//# sourceMappingURL=mount.test.js.map