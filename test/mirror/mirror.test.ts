/**
 * The registry mirror of `darner daemon`, all real: Debian's registry behind the counting proxy
 * (the origin), containerd pulling a plain multi-layer OCI image through one daemon's mirror
 * (hosts.toml), then several daemons with P2P (a `darner scheduler`) pulling it at once, and a
 * peer that serves altered bytes.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SchedulerAdmin, SchedulerClient } from '../../src/p2p/scheduler-client.js';
import { blobIdOfPath, blobIdOfPieceListPath, contentRange, parseRangeHeader } from '../../src/p2p/peer-protocol.js';
import { encodePieceList, pieceCount, pieceExtent } from '../../src/mirror/pieces.js';
import { startContainerd } from '../harness/containerd.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import type { BuiltImage } from '../harness/oci-image.js';
import { metricSum, startPeerDaemon, startPeerDaemons, startSchedulerProcess, stopAll, type PeerDaemon } from '../harness/p2p-cluster.js';
import { CLI, eventually } from '../p2p/helpers.js';
import type { ProxyHandle } from '../harness/registry.js';
import { startMirrorOrigin, type MirrorOrigin } from './mirror-origin.js';

const MiB = 1 << 20;
const PIECE = 1 * MiB;
const TOKEN = 'mirror-token';
const REPO = 'plain/app';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let origin: MirrorOrigin;
let proxy: ProxyHandle;
let image: BuiltImage;
let imageBytes: number;
let tokenFile: MirrorOrigin['tokenFile'];

test.before(async () => {
  // Three layers of incompressible data (several pieces each) and a small one.
  origin = await startMirrorOrigin({
    image: {
      name: `${REPO}:1`,
      layers: [
        [{ type: 'file', path: 'a.bin', data: pseudoRandomBytes(6 * MiB + 12345, 301) }],
        [{ type: 'file', path: 'b.bin', data: pseudoRandomBytes(9 * MiB + 777, 302) }],
        [{ type: 'file', path: 'c.bin', data: pseudoRandomBytes(3 * MiB, 303) }],
        [{ type: 'file', path: 'small.txt', data: Buffer.from('a small layer\n') }],
      ],
    },
    repo: REPO,
    token: TOKEN,
    pieceSize: PIECE,
  });
  ({ proxy, image, tokenFile } = origin);
  imageBytes = [...image.blobs.values()].reduce((a, b) => a + b.length, 0);
});

test.after.always(async () => {
  await origin?.stop();
});

const mirrorConfig = (): string => origin.mirrorConfig();

/** Pulls every blob of the image through a mirror the way containerd does (ns = the registry); the sha256 of each. */
async function pullThrough(mirror: string): Promise<Record<string, string>> {
  const base = `http://${mirror}/v2/${REPO}`;
  const ns = `?ns=${encodeURIComponent(proxy.host)}`;
  const m = await request(`${base}/manifests/1${ns}`, { headers: { accept: image.manifest.mediaType } });
  const manifestBytes = Buffer.from(await m.body.arrayBuffer());
  const manifest = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  const out = new Map<string, string>([[image.manifest.digest, `sha256:${sha(manifestBytes)}`]]);
  await Promise.all([manifest.config, ...manifest.layers].map(async ({ digest }) => {
    const r = await request(`${base}/blobs/${digest}${ns}`);
    if (r.statusCode !== 200) throw new Error(`GET ${digest}: HTTP ${r.statusCode}`);
    const h = createHash('sha256');
    for await (const p of r.body as AsyncIterable<Buffer>) h.update(p);
    out.set(digest, `sha256:${h.digest('hex')}`);
  }));
  return Object.fromEntries([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** The nodes' mirror addresses, once every node's peer is registered with the scheduler. */
async function mirrorsOf(nodes: readonly PeerDaemon[]): Promise<string[]> {
  await eventually(async () => (await Promise.all(nodes.map(async (n) => (await n.client.status()).p2p?.state === 'ready'))).every(Boolean), 30_000, 'every peer registered');
  return Promise.all(nodes.map(async (n) => (await n.client.status()).mirror!));
}

const expected = (): Record<string, string> => Object.fromEntries([...image.blobs.keys()].sort().map((d) => [d, d]));

test.serial('containerd pulls a plain image through one daemon\'s mirror: identical content, the origin serves each blob once', async (t) => {
  const daemon = await startDaemonProcess({ configToml: mirrorConfig() });
  t.teardown(() => daemon.cleanup());
  const mirror = (await daemon.client.status()).mirror;
  t.truthy(mirror);
  const ctd = await startContainerd();
  t.teardown(() => ctd.stop());
  const hosts = await mkdtemp(join(tmpdir(), 'darner-hosts-'));
  t.teardown(() => rm(hosts, { recursive: true, force: true }));
  await mkdir(join(hosts, proxy.host), { recursive: true });
  await writeFile(join(hosts, proxy.host, 'hosts.toml'), `server = "http://${proxy.host}"\n\n[host."http://${mirror!}"]\n  capabilities = ["pull", "resolve"]\n`);
  proxy.reset();
  await ctd.ctr(['images', 'pull', '--hosts-dir', hosts, `${proxy.host}/${REPO}:1`], { timeoutMs: 180_000 });
  const listed = await ctd.ctr(['images', 'ls']);
  t.true(listed.includes(image.manifest.digest), 'containerd holds the image under the pushed manifest digest');
  for (const layer of image.layers) {
    const info = await ctd.ctr(['content', 'ls']);
    t.true(info.includes(layer.digest), `containerd holds layer ${layer.digest}`);
  }
  // Every blob crossed the origin once: the blob bytes it served are the image's blobs (± nothing).
  const blobBytes = proxy.bytesServed('blob');
  const blobsTotal = [image.config, ...image.layers].reduce((a, d) => a + d.size, 0);
  t.is(blobBytes, blobsTotal, `origin served ${blobBytes} blob bytes for ${blobsTotal}`);
  t.true(await daemon.metric('darner_mirror_blob_bytes_total', { source: 'origin' }) > 0);
});

test.serial('4 daemons pulling through their mirrors at once: the origin serves at most 1.1x the image', async (t) => {
  const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  t.teardown(() => scheduler.stop());
  const nodes = await startPeerDaemons(4, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig() });
  t.teardown(() => stopAll(nodes));
  const mirrors = await mirrorsOf(nodes);
  proxy.reset();
  const pulled = await Promise.all(mirrors.map((m) => pullThrough(m)));
  for (const p of pulled) t.deepEqual(p, expected());
  const served = proxy.bytesServed();
  t.log(`origin served ${served} bytes for an image of ${imageBytes} (${(served / imageBytes).toFixed(3)}x)`);
  t.true(served <= 1.1 * imageBytes, `origin served ${served} bytes for an image of ${imageBytes}`);
  t.true((await metricSum(nodes, 'darner_mirror_blob_bytes_total', { source: 'peer' })) > 0, 'pieces went from peer to peer');
});

test.serial('a peer serving altered bytes: every pull is right and the peer is reported', async (t) => {
  const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  t.teardown(() => scheduler.stop());
  const layers = image.layers.filter((l) => l.size > PIECE);
  let servedPieces = 0;
  // The malicious peer: the right piece lists, every piece's bytes flipped.
  const evilServer = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    const listOf = blobIdOfPieceListPath(path);
    const blob = (id: string | undefined): Buffer | undefined => (id === undefined ? undefined : image.blobs.get(`sha256:${id}`));
    const whole = blob(listOf);
    if (whole !== undefined) {
      const digests = Array.from({ length: pieceCount(whole.length, PIECE) }, (_, i) => {
        const { offset, length } = pieceExtent(whole.length, PIECE, i);
        return createHash('sha256').update(whole.subarray(offset, offset + length)).digest();
      });
      return void res.writeHead(200).end(encodePieceList({ size: whole.length, pieceSize: PIECE, digests }));
    }
    const data = blob(blobIdOfPath(path));
    const range = parseRangeHeader(req.headers.range);
    if (data === undefined || range === undefined) return void res.writeHead(404).end();
    servedPieces += 1;
    const bytes = Buffer.from(data.subarray(range.offset, range.offset + range.length));
    for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0x5a;
    res.writeHead(206, { 'content-length': String(bytes.length), 'content-range': contentRange(range, data.length) });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => evilServer.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    evilServer.closeAllConnections();
    evilServer.close(() => resolve());
  }));
  const evil = new SchedulerClient({
    addresses: [scheduler.address],
    hostId: 'evil',
    peerUrl: `http://127.0.0.1:${(evilServer.address() as AddressInfo).port}`,
    uploadCapacity: 64,
    token: TOKEN,
    // Every piece of every large layer, so that it is each piece's first holder.
    listHoldings: () => layers.map((l) => ({
      blobId: l.digest.slice(7),
      offsets: Array.from({ length: pieceCount(l.size, PIECE) }, (_, i) => i * PIECE),
    })),
    retryMaxMs: 300,
  });
  evil.start();
  t.teardown(() => evil.close());
  t.true(await evil.ready(10_000));

  const nodes: PeerDaemon[] = await startPeerDaemons(3, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig(), firstIndex: 10 });
  t.teardown(() => stopAll(nodes));
  const mirrors = await mirrorsOf(nodes);
  const pulled = await Promise.all(mirrors.map((m) => pullThrough(m)));
  for (const p of pulled) t.deepEqual(p, expected(), 'every pull got the right bytes');
  t.true(servedPieces > 0, 'the malicious peer was asked');
  t.true((await metricSum(nodes, 'darner_mirror_bad_pieces_total')) >= 1);
  t.true((await metricSum(nodes, 'darner_p2p_bad_peer_reports_total')) >= 1, 'the bad peer was reported');
});

test.serial('darner preheat --wait of a plain image: the seed pulls it through its mirror; another node then pulls the layers from it', async (t) => {
  const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  t.teardown(() => scheduler.stop());
  const admin = new SchedulerAdmin({ addresses: [scheduler.address], token: TOKEN });
  t.teardown(() => admin.close());
  const seed = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig(), args: ['--seed'] });
  t.teardown(() => seed.cleanup());
  await mirrorsOf([seed]);
  proxy.reset();
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'preheat', '--wait', '--wait-timeout', '300000',
    '--scheduler', scheduler.address, '--peer-token-file', tokenFile.path, `${proxy.host}/${REPO}:1`]);
  t.regex(stdout, new RegExp(`done: seed ${seed.hostId} holds`));
  t.is(await seed.metric('darner_p2p_preheats_total', { outcome: 'ok' }), 1);
  const blobsTotal = [image.config, ...image.layers].reduce((a, d) => a + d.size, 0);
  // Every blob once through the mirror; the config once more when the seed looked for a darner bootstrap.
  const seedServed = proxy.bytesServed('blob');
  t.true(seedServed >= blobsTotal && seedServed <= blobsTotal + image.config.size, `the origin served ${seedServed} blob bytes to the seed for ${blobsTotal}`);
  // Layers over the mirror's small-blob size travel in pieces: once announced, peers serve them.
  const big = [image.config, ...image.layers].filter((d) => d.size > MiB);
  const pieces = big.reduce((n, d) => n + pieceCount(d.size, PIECE), 0);
  await eventually(async () => ((await admin.listPeers()).find((p) => p.hostId === seed.hostId)?.chunks ?? 0) >= pieces, 30_000, `the seed announcing ${pieces} pieces`);

  const node = await startPeerDaemon(1, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig() });
  t.teardown(() => node.cleanup());
  const [mirror] = await mirrorsOf([node]);
  proxy.reset();
  t.deepEqual(await pullThrough(mirror!), expected());
  const smallTotal = [image.config, ...image.layers].filter((d) => d.size <= MiB).reduce((a, d) => a + d.size, 0);
  t.true(proxy.bytesServed('blob') <= smallTotal, `the origin served ${proxy.bytesServed('blob')} blob bytes; only the ${smallTotal} of small blobs may come from it`);
});

test.serial('darner preheat --wait of a file URL: the seed holds it and another node gets it from the seed; a wrong digest fails in one line', async (t) => {
  const data = pseudoRandomBytes(5 * MiB + 4321, 311);
  let sent = 0;
  const files = http.createServer((req, res) => {
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(data.length) }).end();
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] !== '' ? Number(m[2]) + 1 : data.length;
    res.writeHead(m ? 206 : 200, { 'content-length': String(end - start), ...(m ? { 'content-range': `bytes ${start}-${end - 1}/${data.length}` } : {}) });
    sent += end - start;
    res.end(data.subarray(start, end));
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    files.closeAllConnections();
    files.close(() => resolve());
  }));
  const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/models/weights.bin`;
  const digest = `sha256:${sha(data)}`;
  const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  t.teardown(() => scheduler.stop());
  const seed = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig(), args: ['--seed'] });
  t.teardown(() => seed.cleanup());
  await mirrorsOf([seed]);
  const preheat = (d: string) => promisify(execFile)(process.execPath, [CLI, 'preheat', '--wait', '--wait-timeout', '300000',
    '--scheduler', scheduler.address, '--peer-token-file', tokenFile.path, '--digest', d, url]);

  const wrong = await t.throwsAsync(preheat(`sha256:${'0'.repeat(64)}`)) as Error & { code?: number; stderr: string };
  t.is(wrong.code, 1);
  t.is(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
  t.regex(wrong.stderr, /^darner: preheat of http:\S+ \(task \S+ on seed node-0\) failed on the seed: http:\S+: the mirror cut the download after \d+ bytes .*does not match its digest.*\[PREHEAT_FAILED\]\n$/);

  sent = 0;
  const { stdout } = await preheat(digest);
  t.regex(stdout, new RegExp(`done: seed ${seed.hostId} holds`));
  t.is(sent, data.length, 'the seed took the file from its server once');
  const admin = new SchedulerAdmin({ addresses: [scheduler.address], token: TOKEN });
  t.teardown(() => admin.close());
  await eventually(async () => ((await admin.listPeers()).find((p) => p.hostId === seed.hostId)?.chunks ?? 0) >= pieceCount(data.length, PIECE), 30_000, 'the seed announcing the file');

  const node = await startPeerDaemon(1, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: mirrorConfig() });
  t.teardown(() => node.cleanup());
  const [mirror] = await mirrorsOf([node]);
  const r = await request(`http://${mirror!}/darner/files/${digest}?url=${encodeURIComponent(url)}`);
  t.is(r.statusCode, 200);
  t.is(sha(Buffer.from(await r.body.arrayBuffer())), sha(data));
  t.is(sent, data.length, 'the second node got the file from the seed, not from its server');
});
