/**
 * Access-trace optimization end to end: a mount records the files a workload reads (in order),
 * `convert --prefetch-trace` turns the trace into the prefetch list and a blob layout with those
 * files' chunks first, in access order, and a cold mount of the optimized image prefetches that
 * region in a few large Range requests, started before the workload reads anything.
 */
import test from 'ava';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkImage } from '../../converter/check.js';
import { convertImage } from '../../converter/convert.js';
import { DaemonApiError } from '../../src/errors.js';
import { parseAccessTrace } from '../../src/format/access-trace.js';
import { HOLE } from '../../src/format/model.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { blobRanges, startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const KiB = 1024;
const MiB = 1 << 20;
const CHUNK = 64 * KiB;
/** The daemon's fetch.max_request_bytes (its default). */
const MAX_REQUEST = 1 * MiB;
/** Twelve files of five chunks in layer 0; layer 1 adds its own files and a copy of one of layer 0. */
function layers() {
    const app = [{ type: 'dir', path: 'app' }];
    for (let i = 0; i < 12; i++)
        app.push({ type: 'file', path: `app/f${i}`, data: pseudoRandomBytes(5 * CHUNK, 100 + i) });
    return [
        app,
        [
            { type: 'dir', path: 'more' },
            { type: 'file', path: 'more/u0', data: pseudoRandomBytes(2 * CHUNK, 200) },
            { type: 'file', path: 'more/g1', data: pseudoRandomBytes(3 * CHUNK, 201) },
            // Same bytes as /app/f3: deduplicated, its chunks stay in layer 0's blob.
            { type: 'file', path: 'more/dup', data: pseudoRandomBytes(5 * CHUNK, 103) },
        ],
    ];
}
/** The workload: these files, in this order; /app/f6 only its first bytes. */
const WORKLOAD = ['/app/f9', '/more/dup', '/app/f2', '/more/g1', '/app/f6', '/app/f0'];
const PARTIAL = '/app/f6';
async function runWorkload(mnt) {
    for (const path of WORKLOAD) {
        if (path === PARTIAL) {
            const file = await open(join(mnt, path), 'r');
            await file.read(Buffer.alloc(1000), 0, 1000, 0);
            await file.close();
        }
        else {
            await readFile(join(mnt, path));
        }
    }
}
async function eventually(what, check) {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
        if (Date.now() > deadline)
            throw new Error(`${what}: not reached within 60 s`);
        await new Promise((r) => setTimeout(r, 20));
    }
}
function pathsByNid(bootstrap) {
    const out = new Map();
    for (const e of bootstrap.walk())
        if (!out.has(e.nid))
            out.set(e.nid, e.path);
    return out;
}
/** Chunk-table indices of `paths`' chunks in file order, each once, per blob. */
function accessOrderByBlob(bootstrap, paths) {
    const nids = new Map([...pathsByNid(bootstrap)].map(([nid, p]) => [p, nid]));
    const seen = new Set();
    const out = new Map();
    for (const path of paths) {
        for (const slot of bootstrap.fileChunks(nids.get(path))) {
            if (slot === HOLE || seen.has(slot))
                continue;
            seen.add(slot);
            const blob = bootstrap.chunk(slot).blobIndex;
            out.set(blob, [...(out.get(blob) ?? []), slot]);
        }
    }
    return out;
}
/** Chunk-table indices of blob `blobIndex` in stored order. */
function storedOrder(bootstrap, blobIndex) {
    const out = [];
    for (let i = 0; i < bootstrap.chunkCount; i++)
        if (bootstrap.chunk(i).blobIndex === blobIndex)
            out.push(i);
    return out.sort((a, b) => bootstrap.chunk(a).compressedOffset - bootstrap.chunk(b).compressedOffset);
}
async function bootstrapOf(reference) {
    const loaded = await loadImageBootstrap(reference, {});
    await loaded.source.close();
    return loaded.bootstrap;
}
/** Mounts `reference` through `proxy` on an empty cache, waits for the first blob request, runs the workload. */
async function coldStart(daemon, proxy, reference, name) {
    await daemon.client.cacheGc();
    const from = proxy.requests.length;
    const { mount } = await daemon.client.mount({ reference, mountpoint: join(daemon.mountRoot, name) });
    // Nothing has read the mount yet: a blob request now can only be the prefetch.
    await eventually('a prefetch request before any read', () => blobRanges(proxy, from).length > 0);
    await runWorkload(mount.mountpoint);
    const requests = new Map();
    for (const r of proxy.requests.slice(from)) {
        if (r.kind !== 'blob' || r.range === undefined || r.status !== 206)
            continue;
        const id = /sha256:([0-9a-f]{64})/.exec(r.path)[1];
        const m = /^bytes=(\d+)-(\d+)$/.exec(r.range);
        requests.set(id, [...(requests.get(id) ?? []), [Number(m[1]), Number(m[2]) + 1]]);
    }
    await daemon.client.unmount(mount.id);
    return { requests, mode: mount.mode };
}
test('record a trace, convert with it, and a cold start prefetches the traced region first in few large requests', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const plain = await publishImage(registry.host, 'traced', layers(), { chunkSize: CHUNK });
    const daemon = await startDaemonProcess({ configToml: '[fetch]\nsequential_read_ahead = 0\n[fuse]\nmode = "fuse"' });
    t.teardown(() => daemon.cleanup());
    // 1. Record. A trace that could not be written is refused at the mount, not lost at the unmount.
    const missing = await t.throwsAsync(daemon.client.mount({ reference: plain.darnerRef, mountpoint: join(daemon.mountRoot, 'nowhere'), record: join(daemon.dir, 'no-such-dir', 'trace.jsonl') }), { instanceOf: DaemonApiError });
    t.is(missing?.code, 'BAD_REQUEST');
    const traceFile = join(daemon.dir, 'trace.jsonl');
    const { mount } = await daemon.client.mount({ reference: plain.darnerRef, mountpoint: join(daemon.mountRoot, 'record'), record: traceFile });
    t.is(mount.mode, 'fuse');
    await runWorkload(mount.mountpoint);
    await daemon.client.unmount(mount.id);
    const trace = parseAccessTrace(await readFile(traceFile, 'utf8'));
    t.deepEqual(trace.files.map((f) => f.path), WORKLOAD, 'the trace lists the files in the order of their first read');
    t.is(trace.reference, plain.darnerRef);
    const partial = trace.files.find((f) => f.path === PARTIAL);
    t.is(partial.ranges[0][0], 0);
    t.true(partial.ranges.every(([, end]) => end < 5 * CHUNK), 'a partial read records only the bytes read (and the kernel\'s read-ahead)');
    t.deepEqual(trace.files.find((f) => f.path === '/app/f9').ranges, [[0, 5 * CHUNK]]);
    // 2. Convert with the trace; and, for comparison, with the same files as patterns only.
    const optimizedRef = `${registry.host}/traced:optimized`;
    await convertImage(plain.sourceRef, optimizedRef, { chunkSize: CHUNK, prefetchTrace: trace });
    const patternsRef = `${registry.host}/traced:patterns`;
    await convertImage(plain.sourceRef, patternsRef, { chunkSize: CHUNK, prefetchPatterns: WORKLOAD });
    const boot = await bootstrapOf(optimizedRef);
    const names = pathsByNid(boot);
    t.deepEqual(boot.prefetchNids.map((nid) => names.get(nid)), WORKLOAD, 'the prefetch list is the trace, in its order');
    const front = accessOrderByBlob(boot, WORKLOAD);
    t.deepEqual([...front.keys()].sort(), [0, 1]);
    t.is(front.get(0).length, 5 * 5, 'f9, dup (= f3), f2, f6, f0: the copy in layer 1 stays in layer 0\'s blob');
    t.is(front.get(1).length, 3, 'g1');
    let regionBytes = 0;
    for (const [blobIndex, expected] of front) {
        const stored = storedOrder(boot, blobIndex);
        t.deepEqual(stored.slice(0, expected.length), expected, `blob ${blobIndex} starts with the traced chunks in access order`);
        t.is(boot.chunk(stored[0]).compressedOffset, 0);
        regionBytes += expected.reduce((n, i) => n + boot.chunk(i).compressedSize, 0);
    }
    // The plain conversion stores them in tar order: the same files are scattered.
    const plainBoot = await bootstrapOf(plain.darnerRef);
    const plainFront = accessOrderByBlob(plainBoot, WORKLOAD).get(0);
    t.notDeepEqual(storedOrder(plainBoot, 0).slice(0, plainFront.length), plainFront);
    // 3. The optimized image is the same tree as its source.
    const report = await checkImage(plain.sourceRef, optimizedRef);
    t.deepEqual(report.differences, []);
    t.deepEqual(report.badBlobs, []);
    t.deepEqual(report.badChunks, []);
    // 4. Cold starts through a counting proxy.
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const blobIds = boot.blobs.map((b) => b.id);
    const regionRequests = (cold, mode) => {
        let count = 0;
        for (const [blobIndex, expected] of front) {
            const regionEnd = expected.reduce((n, i) => Math.max(n, boot.chunk(i).compressedOffset + boot.chunk(i).compressedSize), 0);
            const inRegion = (cold.requests.get(blobIds[blobIndex]) ?? []).filter(([start]) => start < regionEnd);
            const covered = inRegion.reduce((n, [s, e]) => n + Math.min(e, regionEnd) - s, 0);
            t.is(covered, regionEnd, `${mode}, blob ${blobIndex}: the region is fetched once, whole`);
            t.true(inRegion.length <= Math.ceil(regionEnd / MAX_REQUEST), `${mode}, blob ${blobIndex}: ${inRegion.length} requests for ${regionEnd} bytes`);
            count += inRegion.length;
        }
        return count;
    };
    const optimizedRequests = regionRequests(await coldStart(daemon, proxy, optimizedRef.replace(registry.host, proxy.host), 'cold-optimized'), 'fuse');
    // The same in erofs mode (the kernel's EROFS reading blob devices), where the kernel can.
    const erofsDaemon = await startDaemonProcess({ configToml: '[fetch]\nsequential_read_ahead = 0\n[fuse]\nmode = "auto"' });
    t.teardown(() => erofsDaemon.cleanup());
    const erofsCold = await coldStart(erofsDaemon, proxy, optimizedRef.replace(registry.host, proxy.host), 'cold-erofs');
    if (erofsCold.mode === 'erofs')
        t.log(`erofs mode: ${regionRequests(erofsCold, 'erofs')} requests for the traced region`);
    else
        t.log('the kernel cannot mount EROFS here: erofs mode not exercised');
    const patterns = await coldStart(daemon, proxy, patternsRef.replace(registry.host, proxy.host), 'cold-patterns');
    const patternRequests = [...patterns.requests.values()].reduce((n, list) => n + list.length, 0);
    t.log(`traced region ${regionBytes} bytes: ${optimizedRequests} requests with the trace layout, ${patternRequests} with the same prefetch list in tar order`);
    t.true(optimizedRequests < patternRequests);
});
test('recording is refused in erofs mode, with the reason', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'traced-erofs', [[{ type: 'file', path: 'a', data: 'a\n' }]]);
    const daemon = await startDaemonProcess({ configToml: '[fuse]\nmode = "erofs"' });
    t.teardown(() => daemon.cleanup());
    const err = await t.throwsAsync(daemon.client.mount({ reference: image.darnerRef, mountpoint: join(daemon.mountRoot, 'r'), record: join(daemon.dir, 'trace.jsonl') }), { instanceOf: DaemonApiError });
    t.is(err?.code, 'UNSUPPORTED');
    t.regex(err?.message ?? '', /needs a FUSE mount/);
    t.deepEqual(await daemon.client.listMounts(), []);
});
//# sourceMappingURL=trace.test.js.map