/**
 * mountFs / umountFs (mount(2), umount2(2) on libuv's threadpool) with real EROFS images made by
 * mkfs.erofs, mounted file-backed: the source is the image file itself, no loop device.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMounts } from '../../src/util/mountinfo.js';
import { MNT_DETACH, MS_RDONLY, mountFs, umountFs } from '../../src/native.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
/** A private directory; its teardown detaches whatever is still mounted under it, then removes it. */
function scratch(t) {
    const dir = mkdtempSync(join(tmpdir(), 'darner-mount-'));
    t.teardown(async () => {
        for (const mount of (await readMounts()).reverse()) {
            if (mount.mountPoint.startsWith(`${dir}/`))
                execFileSync('umount', ['-l', mount.mountPoint]);
        }
        rmSync(dir, { recursive: true, force: true });
    });
    return dir;
}
async function mountedAt(mountPoint) {
    return (await readMounts()).find((m) => m.mountPoint === mountPoint);
}
/** An EROFS image of `files` (name → content) at `dir`/image, made by mkfs.erofs with `args`. */
function makeImage(dir, files, args = []) {
    const src = join(dir, 'src');
    mkdirSync(src);
    for (const [name, content] of Object.entries(files))
        writeFileSync(join(src, name), content);
    const image = join(dir, 'image');
    execFileSync('mkfs.erofs', [...args, image, src], { stdio: 'pipe' });
    return image;
}
rootTest('mounts an EROFS image file-backed, reads through it, unmounts it', async (t) => {
    const dir = scratch(t);
    const image = makeImage(dir, { greeting: 'hello from erofs\n' });
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const mounting = mountFs(image, mnt, 'erofs', MS_RDONLY, '');
    t.true(mounting instanceof Promise);
    await mounting;
    t.is(readFileSync(join(mnt, 'greeting'), 'utf8'), 'hello from erofs\n');
    t.like(await mountedAt(mnt), { fsType: 'erofs', source: image });
    await umountFs(mnt, 0);
    t.is(await mountedAt(mnt), undefined);
});
rootTest("passes the options: chunked data on a device= blob file, the daemon's layout", async (t) => {
    const dir = scratch(t);
    const data = pseudoRandomBytes(20_000, 3);
    const blob = join(dir, 'blob');
    const image = makeImage(dir, { data }, ['--chunksize=4096', `--blobdev=${blob}`]);
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    // The file's chunks are in the blob only: they read back only when `device=` reached the kernel.
    await mountFs(image, mnt, 'erofs', MS_RDONLY, `device=${blob}`);
    t.deepEqual(readFileSync(join(mnt, 'data')), data);
    await umountFs(mnt, MNT_DETACH);
    t.is(await mountedAt(mnt), undefined);
});
rootTest('a failed mount rejects with the errno name, the syscall and both paths', async (t) => {
    const dir = scratch(t);
    const image = makeImage(dir, { f: 'x' });
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const missing = join(dir, 'missing');
    const err = await t.throwsAsync(mountFs(missing, mnt, 'erofs', MS_RDONLY, ''), { code: 'ENOENT' });
    t.is(err?.message, `ENOENT: no such file or directory, mount '${missing}' -> '${mnt}'`);
    t.like(err, { syscall: 'mount', path: missing, dest: mnt });
    const noFs = await t.throwsAsync(mountFs(image, mnt, 'darner-no-such-fs', MS_RDONLY, ''), { code: 'ENODEV' });
    t.is(noFs?.message, `ENODEV: no such device, mount '${image}' -> '${mnt}'`);
    // A block-device filesystem refuses a regular file: what mount(8) would hide behind a loop device.
    await t.throwsAsync(mountFs(image, mnt, 'ext4', MS_RDONLY, ''), { code: 'ENOTBLK' });
    await t.throwsAsync(mountFs(image, mnt, 'erofs', MS_RDONLY, 'no_such_option'), { code: 'EINVAL' });
    await t.throwsAsync(mountFs(image, join(dir, 'no-mnt'), 'erofs', MS_RDONLY, ''), { code: 'ENOENT' });
    t.is(await mountedAt(mnt), undefined);
});
rootTest('unmounting a directory that is not a mount point rejects with EINVAL', async (t) => {
    const dir = scratch(t);
    const err = await t.throwsAsync(umountFs(dir, 0), { code: 'EINVAL' });
    t.is(err?.message, `EINVAL: invalid argument, umount2 '${dir}'`);
    t.like(err, { syscall: 'umount2', path: dir });
    await t.throwsAsync(umountFs(join(dir, 'missing'), 0), { code: 'ENOENT' });
});
test('bad arguments reject before any syscall', async (t) => {
    // No path here exists: an argument that slipped through would fail with ENOENT or EPERM instead.
    const nul = await t.throwsAsync(mountFs('/darner-no-such\0image', '/darner-no-mnt', 'erofs', MS_RDONLY, ''), {
        code: 'ERR_INVALID_ARG_VALUE',
    });
    t.is(nul?.message, 'source must not contain NUL bytes');
    await t.throwsAsync(mountFs('/a', '/b\0', 'erofs', MS_RDONLY, ''), { code: 'ERR_INVALID_ARG_VALUE' });
    await t.throwsAsync(mountFs('/a', '/b', 'ero\0fs', MS_RDONLY, ''), { code: 'ERR_INVALID_ARG_VALUE' });
    await t.throwsAsync(mountFs('/a', '/b', 'erofs', MS_RDONLY, 'device=\0'), { code: 'ERR_INVALID_ARG_VALUE' });
    await t.throwsAsync(umountFs('/darner-no-mnt\0', 0), { code: 'ERR_INVALID_ARG_VALUE' });
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
        await t.throwsAsync(mountFs('/a', '/b', 'erofs', bad, ''), { code: 'ERR_OUT_OF_RANGE' }, String(bad));
        await t.throwsAsync(umountFs('/b', bad), { code: 'ERR_OUT_OF_RANGE' }, String(bad));
    }
});
//# sourceMappingURL=mount.test.js.map