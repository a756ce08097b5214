/**
 * Registry outages, through a counting proxy in front of the registry:
 * - the registry is down (connections refused): cached files keep reading (through a second
 *   mount, so that the daemon's cache rather than the kernel's page cache answers), an uncached
 *   read fails with EIO after the configured tries of each range, the kernel's retries of the
 *   read ask the origin nothing more, and the read works again once the registry is back;
 * - the registry hangs (SIGSTOP: connections accepted, nothing answered), in erofs and fuse mode:
 *   a 1 MiB read(2) fails with EIO after one deadline in all — each range is asked for once, the
 *   reads the kernel sends after the first failure fail at once — and the log names the image,
 *   the file and the deadline.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAILED_CHUNK_MEMORY_MS } from '../../src/fetch/fetch-engine.js';
import { FETCH_DEFAULTS } from '../../src/fetch/index.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const FETCH_TIMEOUT_MS = 3000;
const FUSE_READ_TIMEOUT_MS = 60_000;
const MiB = 1 << 20;
/** How many times each blob range was asked for, from request `from` on. */
function rangeCounts(proxy, from = 0) {
    const counts = new Map();
    for (const r of proxy.requests.slice(from))
        if (r.kind === 'blob' && r.range !== undefined)
            counts.set(r.range, (counts.get(r.range) ?? 0) + 1);
    return counts;
}
/** Until the daemon runs and queues no fetch (a fetch may outlive the read that gave up on it). */
async function fetchesIdle(daemon) {
    while ((await daemon.metric('darner_fetch_in_flight')) + (await daemon.metric('darner_fetch_queued')) > 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, FAILED_CHUNK_MEMORY_MS + 100));
test('registry down: cached files read, uncached reads fail with EIO after the configured tries, and work again when it is back', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const cachedData = pseudoRandomBytes(MiB, 31);
    const uncachedData = pseudoRandomBytes(MiB, 32);
    // Separate layers (blobs): in erofs mode the kernel's readahead on a blob device may run past
    // the end of cached.bin into what is stored next (docs/daemon.md), fetching part of
    // uncached.bin before the outage.
    const image = await publishImage(registry.host, 'outage', [[{ type: 'file', path: 'cached.bin', data: cachedData }], [{ type: 'file', path: 'uncached.bin', data: uncachedData }]]);
    const daemon = await startDaemonProcess({
        configToml: `[fetch]\ntimeout_ms = ${FETCH_TIMEOUT_MS}\nretry_base_delay_ms = 50\nretry_max_delay_ms = 500\n[fuse]\nread_timeout_ms = ${FUSE_READ_TIMEOUT_MS}\n`,
    });
    t.teardown(() => daemon.cleanup());
    const reference = image.darnerRef.replace(registry.host, proxy.host);
    const first = join(daemon.mountRoot, 'first');
    const second = join(daemon.mountRoot, 'second');
    await daemon.client.mount({ reference, mountpoint: first });
    await daemon.client.mount({ reference, mountpoint: second });
    t.true((await readFile(join(first, 'cached.bin'))).equals(cachedData));
    await registry.kill();
    const from = proxy.requests.length;
    t.true((await readFile(join(second, 'cached.bin'))).equals(cachedData), 'a cached file reads with the registry down');
    await t.throwsAsync(readFile(join(second, 'uncached.bin')), { code: 'EIO' });
    t.true((await daemon.metric('darner_fuse_read_errors_total', { reason: 'chunk_unavailable' })) >= 1);
    await fetchesIdle(daemon);
    const counts = rangeCounts(proxy, from);
    t.true(counts.size >= 1, 'the origin was asked');
    // The kernel's retries of the failed read (and its readahead) fetched nothing again.
    t.deepEqual([...counts.values()], [...counts.values()].map(() => FETCH_DEFAULTS.originAttempts), `tries per range: ${JSON.stringify([...counts])}`);
    await registry.start();
    // A chunk whose fetch failed fails reads at once for a moment (FAILED_CHUNK_MEMORY_MS): let
    // that pass, as any real outage does.
    await settle();
    t.true((await readFile(join(first, 'uncached.bin'))).equals(uncachedData), 'the same read succeeds once the registry is back');
    t.true((await readFile(join(second, 'uncached.bin'))).equals(uncachedData));
});
for (const mode of ['erofs', 'fuse']) {
    test(`registry hangs, ${mode} mode: a 1 MiB read fails with EIO after one deadline, each range asked for once; the log names image, file and deadline`, async (t) => {
        const registry = await startRegistry();
        t.teardown(() => registry.stop());
        const proxy = await startCountingProxy(registry.host);
        t.teardown(() => proxy.stop());
        const data = pseudoRandomBytes(4 * MiB, 33);
        const image = await publishImage(registry.host, 'hang', [[{ type: 'file', path: 'first.bin', data: pseudoRandomBytes(1000, 34) }], [{ type: 'file', path: 'uncached.bin', data }]]);
        const daemon = await startDaemonProcess({
            configToml: `[fetch]\ntimeout_ms = ${FETCH_TIMEOUT_MS}\n[fuse]\nmode = "${mode}"\nread_timeout_ms = ${FUSE_READ_TIMEOUT_MS}\n`,
        });
        t.teardown(() => daemon.cleanup());
        const reference = image.darnerRef.replace(registry.host, proxy.host);
        const mnt = join(daemon.mountRoot, 'm');
        const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
        t.is(mount.mode, mode);
        t.is((await readFile(join(mnt, 'first.bin'))).length, 1000);
        registry.freeze();
        t.teardown(() => registry.thaw());
        const from = proxy.requests.length;
        // One read(2) of 1 MiB in the middle of the file, as a program reading it would make.
        // (Not spawnSync: the proxy runs in this process and must answer meanwhile.)
        const dd = await new Promise((resolve) => {
            execFile('dd', [`if=${join(mnt, 'uncached.bin')}`, 'of=/dev/null', 'bs=1M', 'count=1', 'skip=1'], (err, _stdout, stderr) => resolve({ code: err === null ? 0 : (err.code ?? -1), stderr }));
        });
        t.not(dd.code, 0);
        t.regex(dd.stderr, /Input\/output error/);
        t.log(dd.stderr.trim().split('\n').pop());
        await fetchesIdle(daemon);
        const counts = rangeCounts(proxy, from);
        t.true(counts.size >= 1, 'the origin was asked');
        // A hung answer is one request that the deadline ends; a second request for the same range
        // would be a second deadline spent on this read.
        t.deepEqual([...counts.values()], [...counts.values()].map(() => 1), `requests per range: ${JSON.stringify([...counts])}`);
        t.true((await daemon.metric('darner_fuse_read_errors_total', { reason: 'chunk_unavailable' })) >= 1);
        const failure = daemon.logs
            .split('\n')
            .filter((line) => line.includes('FUSE read failed'))
            .map((line) => JSON.parse(line))[0];
        t.is(failure?.image, reference);
        t.is(failure?.path, '/uncached.bin');
        t.regex(failure?.err ?? '', new RegExp(`not fetched within .*${FETCH_TIMEOUT_MS} ms`));
        registry.thaw();
        await settle();
        t.true((await readFile(join(mnt, 'uncached.bin'))).equals(data), 'read once the registry answers again');
    });
}
//# sourceMappingURL=outage.test.js.map