/**
 * The blob devices' native FUSE server (native/src/blobdev.rs) on a real FUSE mount: the file
 * tree, reads forwarded to JavaScript and answered by it, reads of marked pages answered from
 * the cache file without JavaScript, unmarking, errors, and the read-only refusals.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMounts } from '../../src/util/mountinfo.js';
import { MNT_DETACH, startBlobDevices, umountFs } from '../../src/native.js';
import { readFileRange } from '../harness/files.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
const MiB = 1 << 20;
const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.skip;
/** Device 0 (4 MiB + 100 bytes, cache file `cache`) and device 1 (5,000 bytes, no cache file, answered EIO). */
function serve(t) {
    const root = mkdtempSync(join(tmpdir(), 'darner-blobdev-'));
    const dir = join(root, 'devices');
    mkdirSync(dir);
    const cache = pseudoRandomBytes(4 * MiB + 100, 5);
    writeFileSync(join(root, 'cache'), cache);
    const forwarded = [];
    // The "origin" JavaScript answers from: the same bytes, so a read shows the same data either way.
    const server = startBlobDevices(dir, [cache.length, 5000], [join(root, 'cache'), ''], (unique, device, offset, length) => {
        forwarded.push([device, offset, length]);
        if (device === 0)
            server.reply(unique, cache.subarray(offset, offset + length));
        else
            server.replyError(unique, -5);
    });
    t.teardown(async () => {
        await umountFs(dir, MNT_DETACH).catch(() => { });
        server.close();
        rmSync(root, { recursive: true, force: true });
    });
    return { dir, server, forwarded, cache };
}
rootTest('the tree: one read-only file per device, named by index, root only; writes are refused', async (t) => {
    const { dir } = serve(t);
    const mount = (await readMounts()).find((m) => m.mountPoint === dir);
    t.is(mount?.fsType, 'fuse.darner');
    t.is(mount?.source, 'darner-blobs');
    t.deepEqual((await readdir(dir)).sort(), ['0', '1']);
    const s0 = await stat(join(dir, '0'));
    t.is(s0.size, 4 * MiB + 100);
    t.is(s0.mode & 0o7777, 0o400);
    t.true(s0.isFile());
    t.is((await stat(join(dir, '1'))).size, 5000);
    t.is((await stat(dir)).mode & 0o7777, 0o500);
    for (const name of ['2', '00', '01', 'x', '-1'])
        await t.throwsAsync(stat(join(dir, name)), { code: 'ENOENT' }, name);
    await t.throwsAsync(writeFile(join(dir, '0'), 'x'), { code: 'EROFS' });
    await t.throwsAsync(writeFile(join(dir, 'new'), 'x'), { code: 'EROFS' });
    t.regex(execFileSync('stat', ['-f', '-c', '%S', dir]).toString(), /^4096/);
});
rootTest('unmarked pages go to JavaScript; marked pages are read from the cache file; unmarking sends them back', async (t) => {
    const { dir, server, forwarded, cache } = serve(t);
    const file = join(dir, '0');
    t.true((await readFileRange(file, 0, 4096)).equals(cache.subarray(0, 4096)));
    t.true(forwarded.length > 0 && forwarded.every(([d]) => d === 0), 'answered by JavaScript');
    t.deepEqual(server.stats(), [0, forwarded.length]);
    t.true(forwarded.every(([, , length]) => length <= MiB));
    server.mark(0, 2 * MiB, 3 * MiB, true);
    const before = forwarded.length;
    t.true((await readFileRange(file, 2 * MiB + 8192, 65536)).equals(cache.subarray(2 * MiB + 8192, 2 * MiB + 8192 + 65536)));
    t.is(forwarded.length, before, 'no JavaScript read for marked pages');
    t.true(server.stats()[0] > 0, 'answered from the cache file');
    // The last, partial page of the device, marked: the file's end, not a page of zeros past it.
    server.mark(0, 4 * MiB, 4 * MiB + 100, true);
    t.true((await readFileRange(file, 4 * MiB, 4096)).equals(cache.subarray(4 * MiB)));
    // A range only partly marked goes to JavaScript whole.
    server.mark(0, 3 * MiB, 3 * MiB + 4096, true);
    const partly = forwarded.length;
    t.true((await readFileRange(file, 3 * MiB, 65536)).equals(cache.subarray(3 * MiB, 3 * MiB + 65536)));
    t.true(forwarded.length > partly);
    server.mark(0, MiB, 2 * MiB, true);
    server.mark(0, MiB, 2 * MiB, false);
    const unmarked = forwarded.length;
    t.true((await readFileRange(file, MiB + 4096, 4096)).equals(cache.subarray(MiB + 4096, MiB + 8192)));
    t.true(forwarded.length > unmarked, 'unmarked pages are forwarded again');
});
rootTest('a JavaScript error answer is the reader\'s errno; a device without a cache file ignores marks; close answers EIO', async (t) => {
    const { dir, server } = serve(t);
    await t.throwsAsync(readFileRange(join(dir, '1'), 0, 100), { code: 'EIO' });
    server.mark(1, 0, 5000, true);
    await t.throwsAsync(readFileRange(join(dir, '1'), 0, 100), { code: 'EIO' }, 'still forwarded (and refused)');
    t.true((await readFileRange(join(dir, '0'), 4 * MiB + 100, 10)).length === 0, 'at the end: nothing');
    server.mark(0, 0, 4096, true);
    server.close();
    t.true((await readFileRange(join(dir, '0'), 0, 10)).length === 10, 'cached pages still answer after close');
    await t.throwsAsync(readFileRange(join(dir, '0'), 3 * MiB + 65536, 10), { code: 'EIO' }, 'others get EIO after close');
});
rootTest('bad arguments are refused before anything is mounted', (t) => {
    const root = mkdtempSync(join(tmpdir(), 'darner-blobdev-'));
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const noop = () => { };
    t.throws(() => startBlobDevices(root, [1, 2], [''], noop), { code: 'ERR_INVALID_ARG_VALUE' });
    t.throws(() => startBlobDevices(root, [1.5], [''], noop), { code: 'ERR_INVALID_ARG_VALUE' });
    t.throws(() => startBlobDevices(root, [10], [join(root, 'missing')], noop), { code: 'ENOENT' });
    symlinkSync('/etc/hostname', join(root, 'link'));
    t.throws(() => startBlobDevices(root, [10], [join(root, 'link')], noop), { code: 'ELOOP' }, 'a cache file is never opened through a symlink');
    t.throws(() => startBlobDevices(join(root, 'nowhere'), [10], [''], noop), { code: 'ENOENT' });
});
//# sourceMappingURL=blob-devices.test.js.map