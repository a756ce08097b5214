/**
 * The cache is the daemon's user's alone: directories 0700 and files 0600 (corrected at open),
 * so another user cannot read an image's bytes from it; and nothing planted in it (a symlink, a
 * hard link, another owner's file) is followed, read or written through: it is refused, counted
 * and logged. Runs as root (another user is uid 65534).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, chown, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { openBlobCache } from '../../src/cache/index.js';
import { entryProblem } from '../../src/cache/private-files.js';
import { syntheticBlob, verified } from './synthetic-blob.js';
const run = promisify(execFile);
const KiB = 1024;
const NOBODY = 65534;
/** A directory others may enter (0755), as a cache's parent usually is. */
async function openParent(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-cache-private-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755);
    return dir;
}
async function metricValue(registry, name) {
    const m = await registry.getSingleMetric(name)?.get();
    return m?.values.reduce((s, v) => s + v.value, 0) ?? NaN;
}
async function cacheWithChunks(cacheDir, blob, registry = new Registry()) {
    const cache = await openBlobCache({ dir: cacheDir, metrics: registry });
    const lease = await cache.acquire(blob);
    const w = lease.blob.add();
    await w.writeAll(await verified(blob, [0, 1]));
    await w.commit();
    await lease.release();
    return cache;
}
/** Mode bits of every entry under `dir` (and `dir`), by path relative to it. */
async function modesUnder(dir) {
    const out = { '.': ((await stat(dir)).mode & 0o7777).toString(8) };
    const walk = async (rel) => {
        for (const name of await readdir(join(dir, rel))) {
            const path = rel === '' ? name : `${rel}/${name}`;
            const st = await lstat(join(dir, path));
            out[path] = (st.mode & 0o7777).toString(8);
            if (st.isDirectory())
                await walk(path);
        }
    };
    await walk('');
    return out;
}
function expectedModes(blob) {
    const b = `blobs/${blob.id}`;
    return { '.': '700', blobs: '700', [b]: '700', [`${b}/data`]: '600', [`${b}/stored`]: '600', [`${b}/ready`]: '600', [`${b}/chunks`]: '600', [`${b}/used`]: '600' };
}
/** Whether uid 65534 can read `path` (cat's exit status). */
async function nobodyCanRead(path) {
    return run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'cat', path], { encoding: 'buffer' }).then(() => ({ ok: true, stderr: '' }), (err) => ({ ok: false, stderr: err.stderr.toString() }));
}
test('cache directories are 0700 and files 0600; another user cannot read a cached blob', async (t) => {
    const parent = await openParent(t);
    const cacheDir = join(parent, 'cache');
    const blob = syntheticBlob([8 * KiB, 8 * KiB], 3);
    const cache = await cacheWithChunks(cacheDir, blob);
    t.teardown(() => cache.close());
    const modes = await modesUnder(cacheDir);
    delete modes.lock; // present while the cache is open; checked below
    t.deepEqual(modes, expectedModes(blob));
    t.is((await stat(join(cacheDir, 'lock'))).mode & 0o777, 0o600);
    const data = join(cacheDir, 'blobs', blob.id, 'data');
    t.true((await readFile(data)).subarray(0, 10).equals(blob.data[0].subarray(0, 10)), 'root reads it');
    const read = await nobodyCanRead(data);
    t.false(read.ok, 'uid 65534 cannot');
    t.regex(read.stderr, /Permission denied/);
});
test('modes of an existing cache are corrected when it is opened', async (t) => {
    const parent = await openParent(t);
    const cacheDir = join(parent, 'cache');
    const blob = syntheticBlob([8 * KiB, 8 * KiB], 4);
    await (await cacheWithChunks(cacheDir, blob)).close();
    // What an earlier version left: world-readable everything.
    for (const [path, mode] of Object.entries(await modesUnder(cacheDir)))
        await chmod(join(cacheDir, path), mode.startsWith('7') ? 0o755 : 0o644);
    t.true((await nobodyCanRead(join(cacheDir, 'blobs', blob.id, 'data'))).ok, 'readable before');
    const cache = await openBlobCache({ dir: cacheDir });
    t.teardown(() => cache.close());
    const lease = await cache.acquire(blob);
    t.deepEqual(await lease.blob.readChunk(blob.records[1], blob.algorithm), blob.data[1]);
    await lease.release();
    const modes = await modesUnder(cacheDir);
    delete modes.lock;
    t.deepEqual(modes, expectedModes(blob));
    t.false((await nobodyCanRead(join(cacheDir, 'blobs', blob.id, 'data'))).ok);
});
for (const planted of ['data', 'ready', 'chunks', 'used']) {
    test(`a symlink planted as a blob's ${planted} file is refused, counted, and its target never touched`, async (t) => {
        const parent = await openParent(t);
        const cacheDir = join(parent, 'cache');
        const blob = syntheticBlob([8 * KiB, 8 * KiB], 5);
        await (await cacheWithChunks(cacheDir, blob)).close();
        const target = join(parent, 'target');
        const before = Buffer.from('a file outside the cache\n');
        await writeFile(target, before);
        const path = join(cacheDir, 'blobs', blob.id, planted);
        await rm(path);
        await symlink(target, path);
        const registry = new Registry();
        const cache = await openBlobCache({ dir: cacheDir, metrics: registry });
        t.teardown(() => cache.close());
        await t.throwsAsync(cache.acquire(blob), { code: 'UNSAFE_CACHE_FILE', message: new RegExp(`${planted} is a symlink: refused`) });
        t.is(await metricValue(registry, 'darner_cache_unsafe_entries_total'), 1);
        t.true((await readFile(target)).equals(before), 'the target is unchanged');
        t.true((await lstat(path)).isSymbolicLink(), 'the link is left for the operator to see');
        t.is(await cache.acquireExisting(blob.id), undefined, 'a peer asking for it is declined');
        // gc removes the link, not what it points to; the blob then starts afresh.
        t.deepEqual((await cache.gc()).removed, [blob.id]);
        t.true((await readFile(target)).equals(before));
        const lease = await cache.acquire(blob);
        t.is(lease.blob.readyCount, 0);
        await lease.release();
    });
}
test('a blob directory that is a symlink, a hard-linked file and another user\'s file are refused', async (t) => {
    const parent = await openParent(t);
    const cacheDir = join(parent, 'cache');
    const blob = syntheticBlob([8 * KiB, 8 * KiB], 6);
    await (await cacheWithChunks(cacheDir, blob)).close();
    const blobDir = join(cacheDir, 'blobs', blob.id);
    const registry = new Registry();
    let cache = await openBlobCache({ dir: cacheDir, metrics: registry });
    // Another user's data file.
    await chown(join(blobDir, 'data'), NOBODY, NOBODY);
    await t.throwsAsync(cache.acquire(blob), { code: 'UNSAFE_CACHE_FILE', message: /data is owned by uid 65534, not the daemon's uid 0/ });
    await chown(join(blobDir, 'data'), 0, 0);
    // A hard link from outside to the data file: writes through it would land in the other name.
    const outside = join(parent, 'outside');
    await link(join(blobDir, 'data'), outside);
    await t.throwsAsync(cache.acquire(blob), { code: 'UNSAFE_CACHE_FILE', message: /data is a file with 2 hard links/ });
    await rm(outside);
    const lease = await cache.acquire(blob);
    t.is(lease.blob.readyCount, 2, 'usable again once the link is gone');
    await lease.release();
    await cache.close();
    // The blob's directory itself a symlink to a directory elsewhere.
    const elsewhere = join(parent, 'elsewhere');
    await mkdir(elsewhere);
    await rm(blobDir, { recursive: true });
    await symlink(elsewhere, blobDir);
    cache = await openBlobCache({ dir: cacheDir, metrics: registry });
    t.teardown(() => cache.close());
    await t.throwsAsync(cache.acquire(blob), { code: 'UNSAFE_CACHE_FILE', message: /is a symlink: refused/ });
    t.deepEqual(await readdir(elsewhere), [], 'nothing was created through it');
    t.is(await metricValue(registry, 'darner_cache_unsafe_entries_total'), 3);
});
test('entryProblem: type, owner, links', (t) => {
    const st = (over) => ({
        uid: over.uid ?? 0,
        nlink: over.nlink ?? 1,
        isFile: () => over.file ?? true,
        isDirectory: () => over.dir ?? false,
    });
    t.is(entryProblem(st({}), 'file', 0), undefined);
    t.is(entryProblem(st({ uid: 7 }), 'file', 0), "owned by uid 7, not the daemon's uid 0");
    t.is(entryProblem(st({ nlink: 3 }), 'file', 0), 'a file with 3 hard links');
    t.is(entryProblem(st({ file: false }), 'file', 0), 'not a regular file');
    t.is(entryProblem(st({ file: false, dir: true, nlink: 5 }), 'directory', 0), undefined);
    t.is(entryProblem(st({}), 'directory', 0), 'not a directory');
});
//# sourceMappingURL=private-files.test.js.map