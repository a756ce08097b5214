import test from 'ava';
import { openImageSource } from '../../src/blob/image-store.js';
import { parseReference } from '../../src/oci/reference.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { blobRanges, makeEngine, makeFixture, metric } from './fixture.js';
const KiB = 1024;
const CHUNK = 64 * KiB;
const FILES = {
    a: pseudoRandomBytes(300 * KiB, 1),
    b: Buffer.alloc(300 * KiB, 'peers serve stored bytes, zstd frames included\n'),
    c: pseudoRandomBytes(300 * KiB, 3),
    d: pseudoRandomBytes(300 * KiB, 4),
};
let fixture;
let direct;
const cleanups = [];
test.before(async () => {
    fixture = await makeFixture({ teardown: (fn) => cleanups.push(fn) }, FILES, { chunkSize: CHUNK });
    // What the "peer" serves from: the registry itself, not through the counting proxy.
    direct = await openImageSource(parseReference(`${fixture.registry.host}/darner/app:v1`), { dockerConfigPath: null });
    cleanups.push(() => direct.close());
});
test.after.always(async () => {
    for (const fn of cleanups.reverse())
        await fn();
});
/** A P2P source standing in for the peer: serves real blob bytes, or misbehaves as told. */
class TestPeer {
    mode;
    requests = [];
    reports = [];
    constructor(mode) {
        this.mode = mode;
    }
    async readRange(request, signal) {
        this.requests.push(request);
        if (this.mode === 'decline')
            return undefined;
        if (this.mode === 'throw')
            throw new Error('connection refused by peer');
        const bytes = await direct.readRange(request.digest, request.offset, request.length, signal);
        if (this.mode === 'corrupt')
            bytes[bytes.length - 10] ^= 0xff;
        if (this.mode === 'partial') {
            // Every other chunk left to the origin, its bytes garbage.
            const unserved = request.chunks.filter((_, i) => i % 2 === 1);
            for (const c of unserved)
                bytes.fill(0xee, c.compressedOffset - request.offset, c.compressedOffset - request.offset + c.compressedSize);
            return { bytes, peer: 'peer-1', unserved: unserved.map((c) => c.uncompressedOffset) };
        }
        return { bytes, peer: 'peer-1' };
    }
    report(report) {
        this.reports.push(report);
    }
}
async function readWith(t, mode, path) {
    // No read-ahead: each request holds chunks of `path` only.
    const engine = await makeEngine(t, { readAhead: false });
    const peer = new TestPeer(mode);
    const reader = await engine.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader(), peer });
    t.teardown(() => reader.close());
    fixture.proxy.reset();
    const data = FILES[path.slice(1)];
    t.true((await reader.read(fixture.nid(path), 0, data.length)).equals(data), `${mode}: the right bytes`);
    return { peer, metrics: engine.metrics };
}
test.serial('a peer that serves: nothing from the origin, reported ok', async (t) => {
    const { peer, metrics } = await readWith(t, 'serve', '/b');
    t.is(fixture.proxy.bytesServed('blob'), 0);
    t.true(peer.requests.length > 0);
    t.true(peer.reports.every((r) => r.outcome === 'peer-ok' && r.peer === 'peer-1'));
    t.is(peer.reports.length, peer.requests.length);
    // Each report carries the verified stored bytes of every chunk it served (a relay passes them on).
    for (const [i, r] of peer.reports.entries()) {
        const request = peer.requests[i];
        t.deepEqual(r.verified?.map((c) => c.uncompressedOffset), request.chunkOffsets);
        for (const c of r.verified ?? []) {
            const meta = request.chunks.find((x) => x.uncompressedOffset === c.uncompressedOffset);
            t.is(c.compressedOffset, meta.compressedOffset);
            t.is(c.stored.length, meta.compressedSize);
        }
    }
    t.true((await metric(metrics, 'darner_fetch_peer_bytes_total')) > 0);
    t.deepEqual(peer.requests[0].chunkOffsets.length > 0, true);
    t.is(peer.requests[0].digest, `sha256:${peer.requests[0].blobId}`);
});
test.serial('a peer that declines: the origin serves, reported origin-ok', async (t) => {
    const { peer, metrics } = await readWith(t, 'decline', '/a');
    t.true(fixture.proxy.bytesServed('blob') > 0);
    t.true(peer.reports.length > 0 && peer.reports.every((r) => r.outcome === 'origin-ok'));
    t.is(await metric(metrics, 'darner_fetch_peer_requests_total', { outcome: 'declined' }), peer.requests.length);
});
test.serial('a peer that serves a bad chunk is reported and not asked again; the origin serves that chunk', async (t) => {
    const { peer, metrics } = await readWith(t, 'corrupt', '/c');
    const bad = peer.reports.filter((r) => r.outcome === 'peer-bad-data');
    t.true(bad.length > 0);
    t.is(bad[0].peer, 'peer-1');
    t.is(bad[0].badChunkOffsets?.length, 1);
    t.is(peer.requests.length, peer.reports.filter((r) => r.outcome.startsWith('peer')).length, 'one offer per request, never a second for the same read');
    t.true((await metric(metrics, 'darner_fetch_verify_failures_total', { source: 'peer' })) >= 1);
    // The origin was asked for the bad chunks only.
    const badOffsets = new Set(bad.flatMap((r) => r.badChunkOffsets ?? []));
    const chunks = fixture.bootstrap.fileChunks(fixture.nid('/c')).map((i) => fixture.bootstrap.chunk(i));
    const expected = chunks.filter((c) => badOffsets.has(c.uncompressedOffset)).reduce((s, c) => s + c.compressedSize, 0);
    t.is(fixture.proxy.bytesServed('blob'), expected);
    t.is(blobRanges(fixture.proxy).length, badOffsets.size);
});
test.serial('a peer source that throws counts as a decline', async (t) => {
    const { peer } = await readWith(t, 'throw', '/d');
    t.true(peer.reports.some((r) => r.outcome === 'peer-error'));
    t.true(fixture.proxy.bytesServed('blob') > 0);
});
test.serial('a partial answer: the chunks it leaves out come from the origin and do not count against the peer', async (t) => {
    const { peer, metrics } = await readWith(t, 'partial', '/d');
    t.true(peer.reports.some((r) => r.outcome === 'peer-ok'));
    t.false(peer.reports.some((r) => r.outcome === 'peer-bad-data'));
    t.is(await metric(metrics, 'darner_fetch_verify_failures_total', { source: 'peer' }), 0);
    const chunks = fixture.bootstrap.fileChunks(fixture.nid('/d')).map((i) => fixture.bootstrap.chunk(i));
    const left = peer.requests.flatMap((r) => r.chunks.filter((_, i) => i % 2 === 1));
    t.true(left.length > 0);
    t.is(fixture.proxy.bytesServed('blob'), left.reduce((n, c) => n + c.compressedSize, 0), 'the origin served exactly the chunks left out');
    t.is(await metric(metrics, 'darner_fetch_peer_bytes_total'), chunks.reduce((n, c) => n + c.compressedSize, 0) - fixture.proxy.bytesServed('blob'));
});
//# sourceMappingURL=peer.test.js.map