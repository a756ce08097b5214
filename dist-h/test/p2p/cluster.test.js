/**
 * A P2P cluster on one machine, all real: Debian's registry behind the counting proxy (the
 * origin), `darner scheduler`, eight `darner daemon`s with their peers on 127.0.0.1 (each its
 * own cache, state, socket and peer port), the same converted image mounted on each, and
 * readers in separate processes reading through the FUSE mounts at once.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { request } from 'undici';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { SchedulerAdmin, SchedulerClient } from '../../src/p2p/scheduler-client.js';
import { blobIdOfPath, contentRange, parseRangeHeader } from '../../src/p2p/peer-protocol.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { mountEverywhere, metricSum, readEverywhere, startClusterOrigin, startPeerDaemons, startSchedulerProcess, stopAll } from '../harness/p2p-cluster.js';
import { blobRanges } from '../harness/registry.js';
import { eventually } from './helpers.js';
const MiB = 1 << 20;
const CHUNK = 256 * 1024;
const TOKEN = 'p2p-cluster-token';
const BIG = pseudoRandomBytes(50 * MiB, 77);
const SMALL = pseudoRandomBytes(8 * MiB, 78);
const OTHER = pseudoRandomBytes(8 * MiB, 79);
const sha = (b) => createHash('sha256').update(b).digest('hex');
let registry;
let proxy;
let image;
let reference;
let tokenFile;
const cleanups = [];
test.before(async () => {
    ({ registry, proxy, image, reference, tokenFile } = await startClusterOrigin('p2p', [
        { type: 'file', path: 'big', data: BIG },
        { type: 'file', path: 'small', data: SMALL },
        { type: 'file', path: 'other', data: OTHER },
    ], { chunkSize: CHUNK, token: TOKEN }, cleanups));
});
test.after.always(async () => {
    for (const fn of cleanups.reverse())
        await fn().catch(() => undefined);
});
/** Where a file's chunks are stored in its (one) blob: incompressible data, so about its size. */
async function storedExtent(path) {
    const loaded = await loadImageBootstrap(image.darnerRef, {});
    try {
        const b = loaded.bootstrap;
        const nid = [...b.walk()].find((e) => e.path === `/${path}`).nid;
        const chunks = b.fileChunks(nid).map((i) => b.chunk(i));
        const start = Math.min(...chunks.map((c) => c.compressedOffset));
        const end = Math.max(...chunks.map((c) => c.compressedOffset + c.compressedSize));
        const size = chunks.reduce((n, c) => n + c.compressedSize, 0);
        if (size !== end - start)
            throw new Error(`${path}: its chunks are not stored in one run`);
        return { start, end, size };
    }
    finally {
        await loaded.source.close();
    }
}
/**
 * Bytes of [start, end) of the blob the origin served in answers to range requests since the
 * proxy's request `from`. Only the file's own extent counts: read-ahead past its end fetches the
 * next file's chunks (once), which are not the data under test.
 */
function originBytesWithin(extent, from) {
    return blobRanges(proxy, from).reduce((n, [a, b]) => n + Math.max(0, Math.min(b, extent.end) - Math.max(a, extent.start)), 0);
}
/** Mounts and reads `path` on every node; the origin's bytes of the file's extent. */
async function runReaders(nodes, path, expected, extent) {
    await mountEverywhere(nodes, reference);
    const from = proxy.requests.length;
    const sums = await readEverywhere(nodes, path);
    for (const [i, s] of sums.entries())
        if (s !== expected)
            throw new Error(`node ${i} read wrong bytes of ${path}`);
    return originBytesWithin(extent, from);
}
test.serial('8 daemons read the same 50 MiB at once: right bytes, the origin serves it about once; without the scheduler 8 times', async (t) => {
    const extent = await storedExtent('big');
    const stored = extent.size;
    const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
    t.teardown(() => scheduler.stop());
    const nodes = await startPeerDaemons(8, { schedulers: [scheduler.address], tokenFile: tokenFile.path });
    t.teardown(() => stopAll(nodes));
    const admin = new SchedulerAdmin({ addresses: [scheduler.address], token: TOKEN });
    t.teardown(() => admin.close());
    await eventually(async () => (await admin.listPeers()).length === 8, 20_000, 'eight peers registered');
    const withP2P = await runReaders(nodes, 'big', sha(BIG), extent);
    const hits = await metricSum(nodes, 'darner_p2p_candidate_hits_total');
    const peerIn = await metricSum(nodes, 'darner_p2p_download_bytes_total');
    const peerOut = await metricSum(nodes, 'darner_p2p_upload_bytes_total');
    t.log(`P2P: origin served ${(withP2P / MiB).toFixed(1)} MiB for ${(stored / MiB).toFixed(1)} MiB stored (${(withP2P / stored).toFixed(2)}x); peers moved ${(peerIn / MiB).toFixed(1)} MiB in, ${(peerOut / MiB).toFixed(1)} MiB out; ${hits} ranges from peers`);
    const decisions = await Promise.all(['parents', 'back_to_source', 'source', 'mixed', 'no_p2p'].map(async (d) => `${d} ${await metricSum(nodes, 'darner_p2p_resolves_total', { decision: d })}`));
    const failures = await Promise.all(['unreachable', 'busy', 'not_held', 'slow', 'refused', 'bad_answer'].map(async (r) => `${r} ${await metricSum(nodes, 'darner_p2p_parent_failures_total', { reason: r })}`));
    t.log(`resolves: ${decisions.join(', ')}; parent failures: ${failures.join(', ')}`);
    for (const n of nodes)
        for (const line of n.logs.split('\n'))
            if (line.includes('scheduler unreachable') || line.includes('"level":50'))
                t.log(`${n.hostId}: ${line.slice(0, 400)}`);
    t.true(withP2P <= stored * 1.1, `origin served ${withP2P} bytes, more than 1.1 x ${stored}`);
    t.true(hits > 0);
    t.is(await metricSum(nodes, 'darner_fuse_read_errors_total'), 0);
    await stopAll(nodes);
    // The same run without the scheduler: every daemon goes to the origin.
    const alone = await startPeerDaemons(8, { schedulers: [] });
    t.teardown(() => stopAll(alone));
    const withoutP2P = await runReaders(alone, 'big', sha(BIG), extent);
    t.log(`no P2P: origin served ${(withoutP2P / MiB).toFixed(1)} MiB (${(withoutP2P / stored).toFixed(2)}x)`);
    t.true(withoutP2P >= stored * 7.5, `without P2P the origin served ${withoutP2P}, expected about 8 x ${stored}`);
});
test.serial('a peer serving altered bytes: every read is right, it is reported and no longer handed out', async (t) => {
    const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
    t.teardown(() => scheduler.stop());
    // The malicious peer: announces every chunk of the image and serves each range with every byte flipped.
    const loaded = await loadImageBootstrap(image.darnerRef, {});
    const b = loaded.bootstrap;
    await loaded.source.close();
    let served = 0;
    const evilServer = http.createServer((req, res) => {
        const blobId = blobIdOfPath((req.url ?? '').split('?')[0]);
        const range = parseRangeHeader(req.headers.range);
        if (req.headers.authorization !== `Bearer ${TOKEN}` || blobId === undefined || range === undefined) {
            res.writeHead(400).end();
            return;
        }
        served += 1;
        void request(`${registry.url}/v2/p2p/blobs/sha256:${blobId}`, { headers: { range: req.headers.range } })
            .then(async (up) => Buffer.from(await up.body.arrayBuffer()))
            .then((bytes) => {
            for (let i = 0; i < bytes.length; i++)
                bytes[i] = bytes[i] ^ 0x5a;
            const blob = b.blobs.find((x) => x.id === blobId);
            res.writeHead(206, { 'content-length': String(bytes.length), 'content-range': contentRange(range, blob.compressedSize) });
            res.end(bytes);
        }, () => res.writeHead(502).end());
    });
    await new Promise((resolve) => evilServer.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise((resolve) => {
        evilServer.closeAllConnections();
        evilServer.close(() => resolve());
    }));
    const evil = new SchedulerClient({
        addresses: [scheduler.address],
        hostId: 'evil',
        peerUrl: `http://127.0.0.1:${evilServer.address().port}`,
        uploadCapacity: 64,
        token: TOKEN,
        // Announce everything, so that it is every chunk's first (and only) holder.
        listHoldings: () => b.blobs.map((blob, index) => ({
            blobId: blob.id,
            offsets: Array.from({ length: b.chunkCount }, (_, i) => b.chunk(i)).filter((c) => c.blobIndex === index).map((c) => c.uncompressedOffset),
        })),
        retryMaxMs: 300,
    });
    evil.start();
    t.teardown(() => evil.close());
    t.true(await evil.ready(10_000));
    const nodes = await startPeerDaemons(4, { schedulers: [scheduler.address], tokenFile: tokenFile.path });
    t.teardown(() => stopAll(nodes));
    await mountEverywhere(nodes, reference);
    const sums = await readEverywhere(nodes, 'small');
    t.deepEqual(sums, nodes.map(() => sha(SMALL)), 'every node read the right bytes');
    t.true(served > 0, 'the malicious peer was asked');
    t.true((await metricSum(nodes, 'darner_p2p_bad_peer_reports_total')) >= 1);
    const admin = new SchedulerAdmin({ addresses: [scheduler.address], token: TOKEN });
    t.teardown(() => admin.close());
    await eventually(async () => ((await admin.listPeers()).find((p) => p.hostId === 'evil')?.excludedUntilUnixMs ?? 0) > Date.now(), 10_000, 'the scheduler excluding the bad peer');
    // Once reported, the scheduler hands it out no more: another file is read without asking it.
    const askedBefore = served;
    const sums2 = await readEverywhere(nodes, 'other');
    t.deepEqual(sums2, nodes.map(() => sha(OTHER)));
    t.is(served, askedBefore, 'the bad peer was not asked again');
    t.is(await metricSum(nodes, 'darner_fuse_read_errors_total'), 0);
});
//# sourceMappingURL=cluster.test.js.map