/**
 * The cascade on a real cluster: four `darner daemon`s (FUSE mounts, caches, peer servers), one
 * `darner scheduler`, and a registry behind the counting proxy and a delaying link, so that every
 * origin fetch takes long enough for the other three nodes to ask for the same chunks while it
 * runs. With the scheduler's fan-out of 2, the fetcher takes two of them and the third waits on
 * one of those two: chunks are served second-hand — by a node that got them from a peer — which
 * the peers count (`darner_p2p_served_chunks_total{from="peer"}`). Counted, not timed.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { SchedulerAdmin } from '../../src/p2p/scheduler-client.js';
import { startDelayProxy } from '../harness/delay-proxy.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { mountEverywhere, metricSum, readEverywhere, startClusterOrigin, startPeerDaemons, startSchedulerProcess, stopAll } from '../harness/p2p-cluster.js';
import { blobRanges, type ProxyHandle } from '../harness/registry.js';
import type { PublishedImage } from '../harness/rich-image.js';
import { eventually, storedFile } from './helpers.js';

const MiB = 1 << 20;
const CHUNK = 256 * 1024;
const TOKEN = 'p2p-cascade-token';
const DATA = pseudoRandomBytes(16 * MiB, 1717);
/** One-way delay of the origin's link: an origin range takes at least two of these. */
const ORIGIN_DELAY_MS = 150;
const FANOUT = 2;

let proxy: ProxyHandle;
let image: PublishedImage;
let reference: string;
let tokenFile: { path: string; remove(): Promise<void> };
const cleanups: Array<() => Promise<void>> = [];

test.before(async () => {
  let registryRef: string;
  ({ proxy, image, reference: registryRef, tokenFile } = await startClusterOrigin('cascade', [{ type: 'file', path: 'data', data: DATA }], { chunkSize: CHUNK, token: TOKEN }, cleanups));
  const [host, port] = proxy.host.split(':') as [string, string];
  const slow = await startDelayProxy({ listenHost: '127.0.0.1', targetHost: host, targetPort: Number(port), delayMs: ORIGIN_DELAY_MS });
  cleanups.push(() => slow.close());
  reference = registryRef.replace(proxy.host, slow.host);
});
test.after.always(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

test.serial('a cold wave on 4 daemons cascades: chunks are served second-hand, the origin serves the data once, every byte is right', async (t) => {
  const extent = await storedFile(image.darnerRef, '/data');
  const scheduler = await startSchedulerProcess({
    tokenFile: tokenFile.path,
    configToml: `[scheduling]\nkeepalive_interval_ms = 500\npeer_ttl_ms = 3000\ncascade_fanout = ${FANOUT}\n`,
  });
  t.teardown(() => scheduler.stop());
  const nodes = await startPeerDaemons(4, { schedulers: [scheduler.address], tokenFile: tokenFile.path, configToml: '[fetch]\nsequential_read_ahead = 0\n' });
  t.teardown(() => stopAll(nodes));
  const admin = new SchedulerAdmin({ addresses: [scheduler.address], token: TOKEN });
  t.teardown(() => admin.close());
  await eventually(async () => (await admin.listPeers()).length === 4, 20_000, 'four peers registered');

  await mountEverywhere(nodes, reference);
  const from = proxy.requests.length;
  const sums = await readEverywhere(nodes, 'data');
  const expected = createHash('sha256').update(DATA).digest('hex');
  t.deepEqual(sums, nodes.map(() => expected), 'every node read the right bytes');

  const origin = blobRanges(proxy, from).reduce((n, [a, b]) => n + Math.max(0, Math.min(b, extent.end) - Math.max(a, extent.start)), 0);
  const secondHand = await metricSum(nodes, 'darner_p2p_served_chunks_total', { from: 'peer' });
  const firstHand = await metricSum(nodes, 'darner_p2p_served_chunks_total', { from: 'origin' });
  const failures = await Promise.all(['unreachable', 'busy', 'not_held', 'slow', 'refused', 'bad_answer'].map(async (r) => `${r} ${await metricSum(nodes, 'darner_p2p_parent_failures_total', { reason: r })}`));
  t.log(`${extent.chunks} chunks of ${(extent.size / MiB).toFixed(1)} MiB; origin served ${(origin / MiB).toFixed(2)} MiB (${(origin / extent.size).toFixed(2)}x); peers served ${firstHand} chunks they got from the origin, ${secondHand} they got from a peer; parent failures: ${failures.join(', ')}`);
  t.true(origin <= extent.size * 1.1, `origin served ${origin} bytes, more than 1.1 x ${extent.size}`);
  t.true(secondHand >= 1, 'some chunk was served by a node that got it from a peer');
  t.is(await metricSum(nodes, 'darner_fuse_read_errors_total'), 0);
});
