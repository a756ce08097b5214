/**
 * The P2P peer as a library: real caches and fetch engines, a real registry behind the counting
 * proxy, a real scheduler (in-process gRPC), real peer servers on 127.0.0.1 — one process.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { setLogLevel } from '../../src/log.js';
import { PeerNode } from '../../src/p2p/peer.js';
import { peerBlobPath } from '../../src/p2p/peer-protocol.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, makeEngine, metric } from '../fetch/fixture.js';
import { eventually, inProcessScheduler } from './helpers.js';
const KiB = 1024;
const CHUNK = 64 * KiB;
const TOKEN = 'cluster-secret';
const FILES = {
    a: pseudoRandomBytes(1024 * KiB, 11),
    b: pseudoRandomBytes(700 * KiB, 12),
    c: Buffer.alloc(900 * KiB, 'compressible text served as zstd frames\n'),
};
// Nodes and scheduler share this process: keep their info lines out of the test output.
setLogLevel('warn');
let fixture;
beforeAllFixture(FILES, { chunkSize: CHUNK }, (f) => (fixture = f));
async function startNode(t, scheduler, hostId, extra = {}) {
    const engine = await makeEngine(t, { readAhead: false });
    const node = await PeerNode.start({
        cache: engine.cache,
        fetcher: engine.fetcher,
        metrics: engine.metrics,
        hostId,
        schedulers: [scheduler.address],
        listen: { host: '127.0.0.1', port: 0 },
        token: TOKEN,
        retryMaxMs: 300,
        announceDelayMs: 10,
        ...extra,
    });
    t.teardown(() => node.close());
    if (!(await node.scheduler.ready(10_000)))
        throw new Error(`${hostId} did not register`);
    const reader = await engine.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader(), peer: node.source });
    t.teardown(() => reader.close());
    return {
        engine,
        node,
        read: (path) => reader.read(fixture.nid(path), 0, fixture.files.get(path).length),
    };
}
/** Chunks of a file, as (blob, stored bytes). */
function storedBytesOf(path) {
    return fixture.bootstrap.fileChunks(fixture.nid(path)).reduce((n, i) => n + fixture.bootstrap.chunk(i).compressedSize, 0);
}
async function announced(scheduler, hostId, chunks) {
    await eventually(async () => {
        const peers = await scheduler.service.listPeers();
        const p = peers.find((x) => x.hostId === hostId);
        return p !== undefined && p.chunks >= chunks;
    }, 10_000, `${hostId} announcing ${chunks} chunks`);
}
test.serial('a second node reads from the first: right bytes, nothing more from the origin', async (t) => {
    const scheduler = await inProcessScheduler(t, { token: TOKEN });
    const a = await startNode(t, scheduler, 'node-a');
    const b = await startNode(t, scheduler, 'node-b');
    fixture.proxy.reset();
    t.true((await a.read('/a')).equals(FILES.a));
    const fromOrigin = fixture.proxy.bytesServed('blob');
    t.is(fromOrigin, storedBytesOf('/a'));
    t.true((await metric(a.engine.metrics, 'darner_p2p_back_to_source_chunks_total')) > 0);
    await announced(scheduler, 'node-a', fixture.bootstrap.fileChunks(fixture.nid('/a')).length);
    t.true((await b.read('/a')).equals(FILES.a));
    t.is(fixture.proxy.bytesServed('blob'), fromOrigin, 'node-b fetched nothing from the origin');
    t.true((await metric(b.engine.metrics, 'darner_p2p_candidate_hits_total')) > 0);
    t.is(await metric(b.engine.metrics, 'darner_p2p_download_bytes_total'), storedBytesOf('/a'));
    t.is(await metric(a.engine.metrics, 'darner_p2p_upload_bytes_total'), storedBytesOf('/a'));
});
test.serial('concurrent readers on three nodes: the origin serves each chunk once (in-progress parents hold requests)', async (t) => {
    const scheduler = await inProcessScheduler(t, { token: TOKEN });
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((h) => startNode(t, scheduler, h)));
    fixture.proxy.reset();
    const results = await Promise.all(nodes.map((n) => Promise.all(['/b', '/c'].map((p) => n.read(p)))));
    for (const [b, c] of results) {
        t.true(b.equals(FILES.b));
        t.true(c.equals(FILES.c));
    }
    const once = storedBytesOf('/b') + storedBytesOf('/c');
    const served = fixture.proxy.bytesServed('blob');
    t.log(`origin served ${served} bytes for ${once} stored bytes read by 3 nodes`);
    t.true(served <= once * 1.1, `origin served ${served}, once is ${once}`);
    let hits = 0;
    for (const n of nodes)
        hits += await metric(n.engine.metrics, 'darner_p2p_candidate_hits_total');
    t.true(hits > 0);
});
test.serial('the peer server refuses a request without the token, a blob it does not hold, and beyond its cap', async (t) => {
    const scheduler = await inProcessScheduler(t, { token: TOKEN });
    const a = await startNode(t, scheduler, 'holder');
    await a.read('/a');
    // Reads get their bytes before the cache commits them: wait for the announcement.
    await announced(scheduler, 'holder', fixture.bootstrap.fileChunks(fixture.nid('/a')).length);
    const chunk = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(fixture.nid('/a'))[0]);
    const blobId = fixture.bootstrap.blobs[chunk.blobIndex].id;
    const url = `${a.node.peerUrl}${peerBlobPath(blobId)}`;
    const range = `bytes=${chunk.compressedOffset}-${chunk.compressedOffset + chunk.compressedSize - 1}`;
    const get = async (headers, path = url) => {
        const res = await request(path, { headers });
        const body = Buffer.from(await res.body.arrayBuffer());
        return { status: res.statusCode, headers: res.headers, body };
    };
    t.is((await get({ range })).status, 401, 'no token');
    t.is((await get({ range, authorization: 'Bearer wrong' })).status, 401, 'wrong token');
    const ok = await get({ range, authorization: `Bearer ${TOKEN}` });
    t.is(ok.status, 206);
    t.is(ok.headers['content-range'], `bytes ${chunk.compressedOffset}-${chunk.compressedOffset + chunk.compressedSize - 1}/${fixture.bootstrap.blobs[chunk.blobIndex].compressedSize}`);
    t.is(ok.body.length, chunk.compressedSize);
    t.is((await get({ range, authorization: `Bearer ${TOKEN}` }, `${a.node.peerUrl}${peerBlobPath('e'.repeat(64))}`)).status, 404, 'a blob it does not have');
    // A chunk of the blob it has not read (file /b).
    const other = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(fixture.nid('/b'))[0]);
    const otherRange = `bytes=${other.compressedOffset}-${other.compressedOffset + other.compressedSize - 1}`;
    t.is((await get({ range: otherRange, authorization: `Bearer ${TOKEN}` })).status, 404, 'a range it does not hold');
    t.is((await get({ authorization: `Bearer ${TOKEN}` })).status, 400, 'no range');
    t.is((await get({ range: 'bytes=999999999-1000000000', authorization: `Bearer ${TOKEN}` })).status, 416);
    t.true((await metric(a.engine.metrics, 'darner_p2p_uploads_refused_total', { reason: 'unauthorized' })) >= 2);
    t.true((await metric(a.engine.metrics, 'darner_p2p_uploads_refused_total', { reason: 'not_held' })) >= 2);
    const capped = await startNode(t, scheduler, 'capped', { maxUploads: 0 });
    await capped.read('/a');
    const busy = await get({ range, authorization: `Bearer ${TOKEN}` }, `${capped.node.peerUrl}${peerBlobPath(blobId)}`);
    t.is(busy.status, 503);
    t.is(busy.headers['retry-after'], '1');
    t.is(await metric(capped.engine.metrics, 'darner_p2p_uploads_refused_total', { reason: 'busy' }), 1);
});
test.serial('without a scheduler the source declines at once and the origin serves', async (t) => {
    // A scheduler address where nothing listens.
    const scheduler = { address: '127.0.0.1:1' };
    const engine = await makeEngine(t, { readAhead: false });
    const node = await PeerNode.start({ cache: engine.cache, fetcher: engine.fetcher, metrics: engine.metrics, hostId: 'alone', schedulers: [scheduler.address], listen: { host: '127.0.0.1', port: 0 }, token: TOKEN });
    t.teardown(() => node.close());
    const reader = await engine.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader(), peer: node.source });
    t.teardown(() => reader.close());
    t.true((await reader.read(fixture.nid('/b'), 0, FILES.b.length)).equals(FILES.b));
    t.true((await metric(engine.metrics, 'darner_p2p_resolves_total', { decision: 'no_p2p' })) > 0);
});
/** A CA and one peer certificate (server and client use, IP 127.0.0.1), P-256, by the openssl CLI. */
async function peerCertificates(dir) {
    const run = promisify(execFile);
    const p = (name) => join(dir, name);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=darner peer test CA']);
    await writeFile(p('peer.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
    await run('openssl', ['req', ...ec, '-keyout', p('peer.key'), '-out', p('peer.csr'), '-subj', '/CN=darner peer']);
    await run('openssl', ['x509', '-req', '-in', p('peer.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('peer.pem'), '-days', '2', '-extfile', p('peer.ext')]);
    return { ca: await readFile(p('ca.pem')), cert: await readFile(p('peer.pem')), key: await readFile(p('peer.key')) };
}
test.serial('mTLS between peers: a node with a certificate from the CA is served; a client without one is not', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-peer-tls-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const tls = await peerCertificates(dir);
    const scheduler = await inProcessScheduler(t, { token: TOKEN });
    const a = await startNode(t, scheduler, 'tls-a', { tls });
    const b = await startNode(t, scheduler, 'tls-b', { tls });
    t.true(a.node.peerUrl.startsWith('https://'));
    await a.read('/b');
    await announced(scheduler, 'tls-a', fixture.bootstrap.fileChunks(fixture.nid('/b')).length);
    fixture.proxy.reset();
    t.true((await b.read('/b')).equals(FILES.b));
    t.is(fixture.proxy.bytesServed('blob'), 0, 'served by tls-a over mTLS');
    const chunk = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(fixture.nid('/b'))[0]);
    const url = `${a.node.peerUrl}${peerBlobPath(fixture.bootstrap.blobs[chunk.blobIndex].id)}`;
    const headers = { range: `bytes=${chunk.compressedOffset}-${chunk.compressedOffset + chunk.compressedSize - 1}`, authorization: `Bearer ${TOKEN}` };
    const noCert = new Agent({ connect: { ca: tls.ca } });
    t.teardown(() => noCert.close());
    await t.throwsAsync(request(url, { headers, dispatcher: noCert }).then((r) => r.body.arrayBuffer()), undefined, 'no client certificate: no answer');
    const withCert = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } });
    t.teardown(() => withCert.close());
    const res = await request(url, { headers, dispatcher: withCert });
    t.is(res.statusCode, 206);
    await res.body.arrayBuffer();
});
//# sourceMappingURL=peer-node.test.js.map