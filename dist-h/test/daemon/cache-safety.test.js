/**
 * The blob cache's safety promises, end to end through a daemon process in erofs mode: unmounts
 * close every cache file (gc then frees the disk), the cache is private to the daemon's user, the
 * native server answers only chunks verified since the start, a dead owner's lock does not keep a
 * restarted daemon out, and a cache write failure (a full disk) is counted while reads go on.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDaemonProcess, unmountAllUnder } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const MiB = 1 << 20;
const EROFS = '[fuse]\nmode = "erofs"';
const DATA = pseudoRandomBytes(3 * MiB + 777, 31);
/** The targets of the open file descriptors of process `pid`. */
async function openFiles(pid) {
    const dir = `/proc/${pid}/fd`;
    const names = await readdir(dir);
    const targets = await Promise.all(names.map((n) => readlink(join(dir, n)).catch(() => '')));
    return targets.filter((t) => t !== '');
}
/** Polls `check` until it holds (fails the test after 30 s). */
async function eventually(check) {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
        if (Date.now() > deadline)
            throw new Error('condition not reached within 30 s');
        await new Promise((r) => setTimeout(r, 50));
    }
}
async function publish(t, repo) {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, repo, [[{ type: 'file', path: 'f.bin', data: DATA }]]);
    return image.darnerRef;
}
test('erofs mode: unmounts close the cache files; after gc no deleted file stays open and the fd count is back to its baseline', async (t) => {
    const reference = await publish(t, 'fds');
    const daemon = await startDaemonProcess({ configToml: EROFS });
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'm');
    // A first cycle opens what stays open for the daemon's life (thread pool, the registry client).
    const cycle = async () => {
        const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
        t.is(mount.mode, 'erofs');
        t.true((await readFile(join(mnt, 'f.bin'))).equals(DATA));
        await daemon.client.unmount(mount.id);
    };
    await cycle();
    await daemon.client.cacheGc([]);
    const baseline = (await openFiles(daemon.pid)).length;
    for (let i = 0; i < 5; i++)
        await cycle();
    const gc = await daemon.client.cacheGc([]);
    t.is(gc.removed.length, 1, 'the unmounted blob is collected');
    const after = await openFiles(daemon.pid);
    t.deepEqual(after.filter((f) => f.endsWith(' (deleted)')), [], 'no deleted file is still open');
    t.deepEqual(after.filter((f) => f.startsWith(daemon.cacheDir)), [], 'no file of the cache is open but the lock');
    t.is(after.length, baseline, `fds: ${after.join(', ')}`);
});
test('erofs mode: bytes flipped in the cache while the daemon is down are never served after the restart', async (t) => {
    const reference = await publish(t, 'flipped');
    const daemon = await startDaemonProcess({ configToml: EROFS });
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'm');
    const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
    t.is(mount.mode, 'erofs');
    t.true((await readFile(join(mnt, 'f.bin'))).equals(DATA));
    await eventually(async () => (await daemon.client.cacheList()).blobs.some((b) => b.id === mount.blobs[0] && b.readyChunks >= 4));
    const dataFile = join(daemon.cacheDir, 'blobs', mount.blobs[0], 'data');
    // Another user cannot read the image's bytes from the cache.
    await t.throwsAsync(run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', dataFile]), { message: /Permission denied/ });
    await daemon.stop();
    // 16 bytes inside the file's second MiB, in the cache's data file (the blob holds f.bin alone).
    const at = MiB + 4096;
    const file = await open(dataFile, 'r+');
    const bytes = Buffer.alloc(16);
    await file.read(bytes, 0, 16, at);
    for (let i = 0; i < 16; i++)
        bytes[i] ^= 0xa5;
    await file.write(bytes, 0, 16, at);
    await file.close();
    const again = await startDaemonProcess({ dir: daemon.dir, configToml: EROFS });
    t.teardown(() => again.cleanup());
    t.deepEqual((await again.client.listMounts()).map((m) => m.mode), ['erofs']);
    const read = await readFile(join(mnt, 'f.bin')).then((bytes) => ({ bytes }), (err) => ({ code: err.code }));
    if ('bytes' in read) {
        t.true(read.bytes.subarray(at - 64, at + 64).equals(DATA.subarray(at - 64, at + 64)), 'the true bytes where they were flipped');
        t.true(read.bytes.equals(DATA));
    }
    else {
        t.is(read.code, 'EIO', 'or EIO, never the flipped bytes');
    }
    t.true((await again.metric('darner_cache_corrupt_chunks_total')) >= 1, 'the flipped chunk was caught by verification');
});
test('a full cache filesystem: every failed cache write is counted, reads return the right bytes from the origin', async (t) => {
    const reference = await publish(t, 'full');
    const dir = await mkdtemp(join(tmpdir(), 'darner-full-cache-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const cacheDir = join(dir, 'cache');
    await mkdir(cacheDir);
    // 1 MiB for a 3 MiB blob stored twice over (data and stored).
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'darner-test-full', cacheDir]);
    t.teardown(() => unmountAllUnder(dir));
    const daemon = await startDaemonProcess({ dir, configToml: EROFS });
    t.teardown(() => daemon.cleanup({ keepDir: true }));
    const mnt = join(daemon.mountRoot, 'm');
    await daemon.client.mount({ reference, mountpoint: mnt });
    t.true((await readFile(join(mnt, 'f.bin'))).equals(DATA), 'the first read');
    await eventually(async () => (await daemon.metric('darner_cache_write_failures_total')) > 0);
    t.regex(daemon.logs, /no space left on device|ENOSPC/);
    // Another mount (its own page cache): what the cache holds verifies, the rest comes again.
    const other = join(daemon.mountRoot, 'other');
    await daemon.client.mount({ reference, mountpoint: other });
    t.true((await readFile(join(other, 'f.bin'))).equals(DATA), 'a second read');
});
test('a daemon SIGKILLed and started again at once takes over the cache', async (t) => {
    const reference = await publish(t, 'killed');
    const daemon = await startDaemonProcess({ configToml: EROFS });
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'm');
    await daemon.client.mount({ reference, mountpoint: mnt });
    t.true((await readFile(join(mnt, 'f.bin'))).equals(DATA));
    daemon.child.kill('SIGKILL');
    const again = await startDaemonProcess({ dir: daemon.dir, configToml: EROFS });
    t.teardown(() => again.cleanup());
    t.regex(await readFile(join(daemon.cacheDir, 'lock'), 'utf8'), new RegExp(`^${again.pid} `));
    t.true((await readFile(join(mnt, 'f.bin'))).equals(DATA));
});
test('darner daemon --cache under /proc: one line naming the problem, a non-zero exit', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-bad-cache-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const args = [CLI, 'daemon', '--socket', join(dir, 'sock'), '--state', join(dir, 'state'), '--metrics', '127.0.0.1:0', '--cache', '/proc/1/x'];
    const err = await run(process.execPath, args, { env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } }).then(() => undefined, (e) => e);
    t.truthy(err, 'the daemon does not start');
    t.not(err.code, 0);
    t.is(err.stderr.trim().split('\n').length, 1, err.stderr);
    t.regex(err.stderr, /^darner: cannot create the blob cache directory \/proc\/1\/x: ENOENT.*\[CACHE_DIR\]/);
});
//# sourceMappingURL=cache-safety.test.js.map