/**
 * Pieces relayed while the leader still downloads, all real: Debian's registry behind a shaped
 * link (a slow origin), the counting proxy in front of it, a `darner scheduler` and three daemons
 * whose mirrors pull one large blob at once. The leader publishes each piece's digest as it
 * verifies it (its partial piece list); the followers take those pieces from peers before the
 * leader holds the whole blob. Counted, not timed: pieces whose digest came from a partial list
 * (darner_mirror_partial_list_pieces_total) and the origin's bytes.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startShapedRegistry } from '../harness/network.js';
import { buildOciImage, pushOciImage } from '../harness/oci-image.js';
import { metricSum, startPeerDaemons, startSchedulerProcess, stopAll, writeTokenFile } from '../harness/p2p-cluster.js';
import { startCountingProxy } from '../harness/registry.js';
import { eventually } from '../p2p/helpers.js';
const MiB = 1 << 20;
const PIECE = 1 * MiB;
const REPO = 'relay/file';
/** 32 MiB over a 16 Mbit/s link: the leader needs about 16 s for it, followers ask within a second or two. */
const BLOB_MIB = 32;
const RATE_MBIT = 16;
let shaped;
let proxy;
let image;
let tokenFile;
test.before(async () => {
    shaped = await startShapedRegistry({ rateMbit: RATE_MBIT, delayMs: 5 });
    image = await buildOciImage({
        name: `${REPO}:1`,
        layers: [[{ type: 'file', path: 'big.bin', data: pseudoRandomBytes(BLOB_MIB * MiB, 611) }]],
        compression: 'none',
    });
    await pushOciImage(image, `docker://${await shaped.seedHost()}/${REPO}:1`, { plainHttp: true });
    proxy = await startCountingProxy(shaped.host);
    tokenFile = await writeTokenFile('relay-token');
});
test.after.always(async () => {
    await proxy?.stop().catch(() => undefined);
    await shaped?.stop().catch(() => undefined);
    await tokenFile?.remove().catch(() => undefined);
});
async function mirrorsOf(nodes) {
    await eventually(async () => (await Promise.all(nodes.map(async (n) => (await n.client.status()).p2p?.state === 'ready'))).every(Boolean), 60_000, 'every peer registered');
    return Promise.all(nodes.map(async (n) => (await n.client.status()).mirror));
}
/** The blob through one mirror; its sha256. */
async function pullBlob(mirror, digest) {
    const r = await request(`http://${mirror}/v2/${REPO}/blobs/${digest}?ns=${encodeURIComponent(proxy.host)}`, { headersTimeout: 300_000, bodyTimeout: 300_000 });
    if (r.statusCode !== 200)
        throw new Error(`GET ${digest}: HTTP ${r.statusCode}`);
    const h = createHash('sha256');
    for await (const p of r.body)
        h.update(p);
    return `sha256:${h.digest('hex')}`;
}
test('a slow origin, 3 daemons at once: followers take pieces from peers before the leader holds the blob; the origin serves it once', async (t) => {
    const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
    t.teardown(() => scheduler.stop());
    const nodes = await startPeerDaemons(3, {
        schedulers: [scheduler.address],
        tokenFile: tokenFile.path,
        configToml: `[mirror]\nlisten = "127.0.0.1:0"\npiece_size = ${PIECE}\nplain_http = ["${proxy.host}"]\n`,
    });
    t.teardown(() => stopAll(nodes));
    const mirrors = await mirrorsOf(nodes);
    const blob = image.layers[0];
    proxy.reset();
    const got = await Promise.all(mirrors.map((m) => pullBlob(m, blob.digest)));
    for (const g of got)
        t.is(g, blob.digest, 'every node got the right bytes');
    const served = proxy.bytesServed('blob');
    t.log(`origin served ${served} blob bytes for a blob of ${blob.size} (${(served / blob.size).toFixed(3)}x)`);
    t.true(served <= 1.1 * blob.size, `origin served ${served} bytes for ${blob.size}`);
    const leads = await metricSum(nodes, 'darner_mirror_blobs_total', { role: 'lead' });
    const follows = await metricSum(nodes, 'darner_mirror_blobs_total', { role: 'follow' });
    t.is(leads, 1, 'one node led the blob');
    t.is(follows, 2, 'the two others followed it');
    // Pieces whose digest a follower learned from a partial list (the leader, or a peer following
    // it, had not got the whole blob when it published it) and that came from a peer.
    const early = await metricSum(nodes, 'darner_mirror_partial_list_pieces_total', { source: 'peer' });
    const pieces = Math.ceil(blob.size / PIECE);
    t.log(`pieces taken from peers against a partial list: ${early} (of ${2 * pieces} the followers took)`);
    t.true(early > 0, 'followers took pieces from peers while the leader was still downloading');
    t.true((await metricSum(nodes, 'darner_mirror_blob_bytes_total', { source: 'peer' })) > 0, 'pieces went from peer to peer');
});
//# sourceMappingURL=mirror-relay.test.js.map