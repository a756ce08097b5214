/**
 * The peer server under abusive requesters, with a real cache holding a 24 MiB blob and real TCP
 * sockets: requesters that stop reading are cut off at the configured minimum pace and their
 * slots go to others; an upload holds one read piece in memory, not its range. The cut-off is
 * checked by what the server counts (uploads cut off as slow, slots in use), not by a clock.
 */
import test from 'ava';
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { setLogLevel } from '../../src/log.js';
import { PeerServer, READ_PIECE } from '../../src/p2p/peer-server.js';
import { peerBlobPath } from '../../src/p2p/peer-protocol.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, makeEngine, metric } from '../fetch/fixture.js';
import { eventually } from './helpers.js';
const MiB = 1 << 20;
const TOKEN = 'cluster-secret';
const FILES = { big: pseudoRandomBytes(24 * MiB, 41) };
setLogLevel('warn');
let fixture;
beforeAllFixture(FILES, { chunkSize: MiB }, (f) => (fixture = f));
/** A cache holding every chunk of the image's one blob, and a peer server over it. */
async function serve(t, options) {
    const engine = await makeEngine(t, { readAhead: false });
    const reader = await engine.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    t.true((await reader.read(fixture.nid('/big'), 0, FILES.big.length)).equals(FILES.big));
    t.is(fixture.bootstrap.blobs.length, 1);
    const blob = fixture.bootstrap.blobs[0];
    const chunks = fixture.bootstrap.fileChunks(fixture.nid('/big')).length;
    // Reads return before the cache commits their chunks.
    await eventually(async () => {
        const lease = await engine.cache.acquireExisting(blob.id);
        try {
            return lease !== undefined && lease.blob.readyCount >= chunks;
        }
        finally {
            await lease?.release();
        }
    }, 20_000, 'every chunk committed');
    const metrics = new Registry();
    const server = await PeerServer.start({ cache: engine.cache, host: '127.0.0.1', port: 0, hostId: 'holder', token: TOKEN, metrics, ...options });
    t.teardown(() => server.close());
    return { server, metrics, blobId: blob.id, size: blob.chunkInfoOffset ?? blob.compressedSize };
}
/** A requester that asks for `range` and never reads the answer (its socket's buffers fill up). */
function stalledRequester(t, s, range) {
    const socket = connect(s.server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`GET ${peerBlobPath(s.blobId)} HTTP/1.1\r\nHost: holder\r\nAuthorization: Bearer ${TOKEN}\r\nRange: ${range}\r\n\r\n`);
    t.teardown(() => socket.destroy());
    return socket;
}
async function fetchRange(s, range) {
    const res = await request(`http://${s.server.address}${peerBlobPath(s.blobId)}`, { headers: { range, authorization: `Bearer ${TOKEN}` } });
    return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
}
test.serial('requesters that stop reading are cut off at the minimum pace; their slots then serve a normal requester', async (t) => {
    t.timeout(120_000);
    const s = await serve(t, { maxUploads: 2, minUploadBytesPerSecond: MiB, uploadRateWindowMs: 5000 });
    const whole = `bytes=0-${s.size - 1}`;
    stalledRequester(t, s, whole);
    stalledRequester(t, s, whole);
    await eventually(() => s.server.load().currentUploads === 2, 20_000, 'both stalled uploads running');
    t.is((await fetchRange(s, whole)).status, 503, 'the stalled requesters hold every slot');
    await eventually(async () => (await metric(s.metrics, 'darner_p2p_uploads_total', { outcome: 'slow' })) === 2, 60_000, 'both stalled uploads cut off');
    await eventually(() => s.server.load().currentUploads === 0, 20_000, 'slots freed');
    const { status, body } = await fetchRange(s, whole);
    t.is(status, 206);
    t.is(body.length, s.size);
    const origin = await fixture.source.blobReader().readRange(`sha256:${s.blobId}`, 0, s.size);
    t.true(body.equals(origin), 'the chunk data, byte for byte');
    t.is(await metric(s.metrics, 'darner_p2p_uploads_total', { outcome: 'ok' }), 1);
    t.is(await metric(s.metrics, 'darner_p2p_uploads_total', { outcome: 'slow' }), 2);
});
test.serial('an upload holds one read piece in memory, not its range', async (t) => {
    t.timeout(120_000);
    const s = await serve(t, { maxUploads: 4, minUploadBytesPerSecond: 0 });
    t.true(s.size >= 16 * READ_PIECE, `a range of ${s.size} bytes is many pieces`);
    const whole = `bytes=0-${s.size - 1}`;
    // A requester that stops reading: its upload waits with what it read.
    stalledRequester(t, s, whole);
    await eventually(() => s.server.load().currentUploads === 1, 20_000, 'the stalled upload running');
    await eventually(() => s.server.buffered().now > 0, 20_000, 'the stalled upload holding a piece');
    // Two more at full speed, at once.
    const answers = await Promise.all([fetchRange(s, whole), fetchRange(s, `bytes=${READ_PIECE / 2}-${s.size - 2}`)]);
    t.deepEqual(answers.map((a) => a.status), [206, 206]);
    t.true(answers[0].body.equals(await fixture.source.blobReader().readRange(`sha256:${s.blobId}`, 0, s.size)), 'the chunk data, byte for byte');
    const { now, peak } = s.server.buffered();
    t.log(`peak ${peak} bytes buffered by 3 uploads of ${s.size}-byte ranges; ${now} held by the stalled one`);
    t.true(peak <= 3 * READ_PIECE, `peak ${peak}`);
    t.true(now > 0 && now <= READ_PIECE, `stalled upload holds ${now}`);
    t.is(await metric(s.metrics, 'darner_p2p_upload_buffered_bytes'), now);
    // The range a request may ask for is bounded too (64 MiB by default).
    t.is((await fetchRange(s, `bytes=0-${64 * MiB}`)).status, 400);
});
//# sourceMappingURL=peer-abuse.test.js.map