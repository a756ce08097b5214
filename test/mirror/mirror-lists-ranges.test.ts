/**
 * The registry mirror with a wrong piece list and with client Range requests, all real: Debian's
 * registry behind the counting proxy (the origin), `darner daemon`s with their mirror and P2P (a
 * `darner scheduler`), and a peer (a plain HTTP server registered with the scheduler) that serves
 * a piece list with one wrong digest.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { clientRange } from '../../src/mirror/client-range.js';
import { encodePieceList, pieceCount, pieceExtent } from '../../src/mirror/pieces.js';
import { blobIdOfPath, blobIdOfPieceListPath, contentRange, parseRangeHeader } from '../../src/p2p/peer-protocol.js';
import { SchedulerAdmin, SchedulerClient } from '../../src/p2p/scheduler-client.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import type { BuiltImage } from '../harness/oci-image.js';
import { startPeerDaemon, startSchedulerProcess, type PeerDaemon } from '../harness/p2p-cluster.js';
import type { ProxyHandle } from '../harness/registry.js';
import { startMirrorOrigin, type MirrorOrigin } from './mirror-origin.js';
import { eventually } from '../p2p/helpers.js';

const MiB = 1 << 20;
const PIECE = 1 * MiB;
const TOKEN = 'mirror-lists-token';
const REPO = 'plain/ranges';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let origin: MirrorOrigin;
let proxy: ProxyHandle;
let image: BuiltImage;
let tokenFile: MirrorOrigin['tokenFile'];

test.before(async () => {
  origin = await startMirrorOrigin({
    image: { name: `${REPO}:1`, layers: [[{ type: 'file', path: 'a.bin', data: pseudoRandomBytes(5 * MiB + 4321, 401) }]], compression: 'none' },
    repo: REPO,
    token: TOKEN,
    pieceSize: PIECE,
  });
  ({ proxy, image, tokenFile } = origin);
});

test.after.always(async () => {
  await origin?.stop();
});

const mirrorConfig = (): string => origin.mirrorConfig();
const layer = () => image.layers[0]!;
const layerBytes = (): Buffer => image.blobs.get(layer().digest)!;

/** GET of the layer through a mirror, with an optional Range header: status, headers, body. */
async function getLayer(mirror: string, range?: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const r = await request(`http://${mirror}/v2/${REPO}/blobs/${layer().digest}?ns=${encodeURIComponent(proxy.host)}`, { headers: range !== undefined ? { range } : {} });
  return { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
}

async function mirrorOf(node: PeerDaemon): Promise<string> {
  await eventually(async () => (await node.client.status()).p2p?.state === 'ready', 30_000, 'peer registered');
  return (await node.client.status()).mirror!;
}

test('clientRange: one range of the three forms; others ignored; past the end unsatisfiable', (t) => {
  t.deepEqual(clientRange('bytes=10-19', 100), { offset: 10, length: 10 });
  t.deepEqual(clientRange('bytes=90-', 100), { offset: 90, length: 10 });
  t.deepEqual(clientRange('bytes=90-500', 100), { offset: 90, length: 10 });
  t.deepEqual(clientRange('bytes=-5', 100), { offset: 95, length: 5 });
  t.is(clientRange('bytes=0-99', 100), undefined, 'the whole blob is a plain 200');
  t.is(clientRange('bytes=-500', 100), undefined);
  t.is(clientRange('bytes=100-', 100), 'unsatisfiable');
  t.is(clientRange('bytes=-0', 100), 'unsatisfiable');
  for (const ignored of [undefined, 'bytes=1-2,5-6', 'items=1-2', 'bytes=5-1', 'bytes=-', `bytes=1-${'9'.repeat(80)}`]) t.is(clientRange(ignored, 100), undefined, String(ignored));
});

test.serial('Range requests on the mirror: answered as ranges; the origin sends the blob once, then peers or the cache only the pieces a range needs', async (t) => {
  const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  t.teardown(() => scheduler.stop());
  const a = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig() });
  t.teardown(() => a.cleanup());
  const data = layerBytes();
  const mirrorA = await mirrorOf(a);
  proxy.reset();

  // Nobody holds it: node A leads the whole blob (to check it) and answers the range.
  const first = await getLayer(mirrorA, `bytes=${PIECE + 10}-${2 * PIECE + 20}`);
  t.is(first.status, 206);
  t.is(first.headers['content-range'], `bytes ${PIECE + 10}-${2 * PIECE + 20}/${data.length}`);
  t.true(first.body.equals(data.subarray(PIECE + 10, 2 * PIECE + 21)));
  t.is(proxy.bytesServed('blob'), data.length, 'the origin sent the blob once');
  await eventually(async () => (await a.metric('darner_mirror_blobs_total', { role: 'lead' })) === 1, 30_000, 'node A holding the blob');

  // Node A again: from its cache, nothing from the origin; a suffix range; past the end is a 416.
  const suffix = await getLayer(mirrorA, 'bytes=-1000');
  t.is(suffix.status, 206);
  t.true(suffix.body.equals(data.subarray(data.length - 1000)));
  t.is((await getLayer(mirrorA, `bytes=${data.length}-`)).status, 416);
  t.is(proxy.bytesServed('blob'), data.length);

  // Node B: the pieces the range overlaps (3 of 6), from node A, checked against A's list.
  const b = await startPeerDaemon(1, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig() });
  t.teardown(() => b.cleanup());
  const admin = new SchedulerAdmin({ addresses: [scheduler.address], token: TOKEN });
  t.teardown(() => admin.close());
  await eventually(async () => ((await admin.listPeers()).find((p) => p.hostId === a.hostId)?.chunks ?? 0) >= pieceCount(data.length, PIECE), 30_000, 'node A announcing the pieces');
  const mirrorB = await mirrorOf(b);
  const ranged = await getLayer(mirrorB, `bytes=${3 * PIECE - 5}-${4 * PIECE + 5}`);
  t.is(ranged.status, 206);
  t.true(ranged.body.equals(data.subarray(3 * PIECE - 5, 4 * PIECE + 6)));
  t.is(proxy.bytesServed('blob'), data.length, 'nothing more from the origin');
  t.is(await b.metric('darner_mirror_blob_bytes_total', { source: 'peer' }), 3 * PIECE, 'pieces 2, 3 and 4 from the peer, no others');
  t.is(await b.metric('darner_mirror_blob_bytes_total', { source: 'origin' }), 0);
});

test.serial('a peer serving a wrong piece list: the pull still gets the right bytes (the rest from the origin), and what is kept is right', async (t) => {
  const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  t.teardown(() => scheduler.stop());
  const data = layerBytes();
  const blobId = layer().digest.slice('sha256:'.length);
  const n = pieceCount(data.length, PIECE);
  const rightDigests = Array.from({ length: n }, (_, i) => {
    const { offset, length } = pieceExtent(data.length, PIECE, i);
    return createHash('sha256').update(data.subarray(offset, offset + length)).digest();
  });
  // The liar: piece 2's digest altered in its list; the pieces it serves are the right bytes.
  const wrong = rightDigests.map((d, i) => (i === 2 ? Buffer.from(d.map((x) => x ^ 0xff)) : d));
  let listsServed = 0;
  const liar = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    if (blobIdOfPieceListPath(path) === blobId) {
      listsServed += 1;
      return void res.writeHead(200).end(encodePieceList({ size: data.length, pieceSize: PIECE, digests: wrong }));
    }
    const range = parseRangeHeader(req.headers.range);
    if (blobIdOfPath(path) !== blobId || range === undefined) return void res.writeHead(404).end();
    res.writeHead(206, { 'content-length': String(range.length), 'content-range': contentRange(range, data.length) });
    res.end(data.subarray(range.offset, range.offset + range.length));
  });
  await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    liar.closeAllConnections();
    liar.close(() => resolve());
  }));
  const liarPeer = new SchedulerClient({
    addresses: [scheduler.address],
    hostId: 'liar',
    peerUrl: `http://127.0.0.1:${(liar.address() as AddressInfo).port}`,
    uploadCapacity: 64,
    token: TOKEN,
    listHoldings: () => [{ blobId, offsets: Array.from({ length: n }, (_, i) => i * PIECE) }],
    retryMaxMs: 300,
  });
  liarPeer.start();
  t.teardown(() => liarPeer.close());
  t.true(await liarPeer.ready(10_000));

  const node = await startPeerDaemon(20, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig() });
  t.teardown(() => node.cleanup());
  const mirror = await mirrorOf(node);
  proxy.reset();
  const pulled = await getLayer(mirror);
  t.is(pulled.status, 200);
  t.is(sha(pulled.body), blobId, 'the right bytes');
  t.true(listsServed >= 1, 'the list came from the liar');
  t.is(await node.metric('darner_mirror_bad_piece_lists_total'), 1);
  t.true(proxy.bytesServed('blob') < data.length, 'the pieces before the wrong entry came from the peer');

  // What the node kept is the right list: a second pull is served from its cache, nothing from anyone.
  const before = proxy.bytesServed('blob');
  t.is(sha((await getLayer(mirror)).body), blobId);
  t.is(proxy.bytesServed('blob'), before);
  t.is(await node.metric('darner_mirror_blobs_total', { role: 'cached' }), 1);
});
