/**
 * A requester whose only holder answers busy (503: every upload slot taken) waits for it instead
 * of fetching a second copy from the origin (src/p2p/busy-retry.ts), within `p2p.busy_wait_ms`:
 * real `darner daemon`s, a `darner scheduler`, a registry behind the counting proxy. The holder
 * has one upload slot, held by a requester on a raw socket that never reads (the holder's
 * minimum upload pace is off, so the slot stays taken until the socket closes). The requesters
 * serve nobody (`max_uploads = 0`), so the holder is the only parent. Counted, not timed: origin
 * bytes at the proxy, the requester's busy waits and gave-ups.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { peerBlobPath } from '../../src/p2p/peer-protocol.js';
import { SchedulerClient } from '../../src/p2p/scheduler-client.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startClusterOrigin, startPeerDaemons, startSchedulerProcess, stopAll, type PeerDaemon, type SchedulerHandle } from '../harness/p2p-cluster.js';
import { blobRanges, type ProxyHandle } from '../harness/registry.js';
import type { PublishedImage } from '../harness/rich-image.js';
import { eventually, storedFile } from './helpers.js';

const run = promisify(execFile);
const MiB = 1 << 20;
const CHUNK = MiB;
const TOKEN = 'p2p-busy-token';
// Larger than the loopback socket buffers, so a requester that never reads holds its upload slot.
const DATA = pseudoRandomBytes(24 * MiB, 2417);
const EXPECTED = createHash('sha256').update(DATA).digest('hex');

let proxy: ProxyHandle;
let image: PublishedImage;
let reference: string;
let tokenFile: { path: string; remove(): Promise<void> };
let scheduler: SchedulerHandle;
let holder: PeerDaemon;
let extent: { blobId: string; start: number; end: number; size: number; offsets: number[] };
const cleanups: Array<() => Promise<void>> = [];

test.before(async () => {
  ({ proxy, image, reference, tokenFile } = await startClusterOrigin('busy', [{ type: 'file', path: 'data', data: DATA }], { chunkSize: CHUNK, token: TOKEN }, cleanups));
  extent = await storedFile(image.darnerRef, '/data');
  scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
  cleanups.push(() => scheduler.stop());
  // The holder: one upload slot, no minimum pace (a stalled requester keeps the slot).
  holder = (await startPeerDaemons(1, { schedulers: [scheduler.address], tokenFile: tokenFile.path, args: ['--peer-max-uploads', '1'], configToml: 'min_upload_rate = 0\n' }))[0]!;
  cleanups.push(() => stopAll([holder]));
  await mount(holder);
  const { stdout } = await run('sha256sum', [join(holder.mountpoint!, 'data')], { maxBuffer: 1 << 20 });
  if (stdout.split(' ')[0] !== EXPECTED) throw new Error('the holder read wrong bytes');
  await untilHolderAnnounced();
});
test.after.always(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

async function mount(n: PeerDaemon): Promise<void> {
  n.mountpoint = join(n.mountRoot, 'image');
  await n.client.mount({ reference, mountpoint: n.mountpoint });
}

/**
 * Until the scheduler names the holder as a parent of every chunk of the file. A probe host asks;
 * when the holder's announce has not arrived yet the probe is elected to fetch the chunks, and it
 * withdraws them at once (which releases the lease).
 */
async function untilHolderAnnounced(): Promise<void> {
  const probe = new SchedulerClient({ addresses: [scheduler.address], token: TOKEN, hostId: 'probe', peerUrl: 'http://127.0.0.1:9', uploadCapacity: 0, announceDelayMs: 0 });
  probe.start();
  try {
    await eventually(async () => {
      const answer = await probe.resolve(extent.blobId, extent.offsets);
      const leased = answer.groups.filter((g) => g.decision === 'BACK_TO_SOURCE').flatMap((g) => g.offsets);
      if (leased.length > 0) {
        probe.withdraw(extent.blobId, leased);
        await probe.flush();
      }
      return answer.p2p && answer.groups.every((g) => g.decision === 'PARENTS' && g.parents.some((p) => p.hostId === holder.hostId && !p.inProgress));
    }, 30_000, 'the holder announced every chunk');
  } finally {
    await probe.close();
  }
}

/** Takes the holder's one upload slot with a request whose answer is never read; returns its release. */
async function occupyHolder(t: ExecutionContext): Promise<() => void> {
  const [host, port] = holder.peerAddress.split(':') as [string, string];
  const socket = connect(Number(port), host);
  socket.on('error', () => undefined);
  socket.write(`GET ${peerBlobPath(extent.blobId)} HTTP/1.1\r\nHost: holder\r\nAuthorization: Bearer ${TOKEN}\r\nRange: bytes=${extent.start}-${extent.end - 1}\r\n\r\n`);
  t.teardown(() => socket.destroy());
  await eventually(async () => (await holder.metric('darner_p2p_uploads_active')) === 1, 20_000, 'the stalled upload holds the slot');
  return () => socket.destroy();
}

/** A requester that serves nobody, with these [p2p] busy settings. */
async function requester(t: ExecutionContext, index: number, busyToml: string): Promise<PeerDaemon> {
  const [node] = await startPeerDaemons(1, {
    firstIndex: index,
    schedulers: [scheduler.address],
    tokenFile: tokenFile.path,
    args: ['--peer-max-uploads', '0'],
    configToml: `${busyToml}[fetch]\nsequential_read_ahead = 0\n`,
  });
  t.teardown(() => stopAll([node!]));
  await mount(node!);
  return node!;
}

function originBytesSince(from: number): number {
  return blobRanges(proxy, from).reduce((n, [a, b]) => n + Math.max(0, Math.min(b, extent.end) - Math.max(a, extent.start)), 0);
}

test.serial('every holder busy at first: the requester waits and gets the chunks from the holder, none from the origin', async (t) => {
  t.timeout(240_000);
  // A bound far beyond this test's waits, so a loaded machine cannot end them.
  const node = await requester(t, 1, 'busy_wait_ms = 600000\nbusy_retry_max_ms = 500\n');
  const release = await occupyHolder(t);
  const from = proxy.requests.length;
  const reading = run('sha256sum', [join(node.mountpoint!, 'data')], { maxBuffer: 1 << 20 });
  // The requester was refused and resolved again several times: the holder stayed busy meanwhile.
  await eventually(async () => (await node.metric('darner_p2p_busy_ranges_total', { step: 'wait' })) >= 3, 60_000, 'the requester waited for the busy holder');
  t.is(await holder.metric('darner_p2p_uploads_active'), 1, 'the holder was busy all along');
  release();
  const { stdout } = await reading;
  t.is(stdout.split(' ')[0], EXPECTED, 'the requester read the right bytes');
  const busy = await node.metric('darner_p2p_parent_failures_total', { reason: 'busy' });
  const waits = await node.metric('darner_p2p_busy_ranges_total', { step: 'wait' });
  const gaveUp = await node.metric('darner_p2p_busy_ranges_total', { step: 'origin' });
  const origin = originBytesSince(from);
  t.log(`holder answered busy ${busy} times; requester waits ${waits}, gave up ${gaveUp}; origin bytes of the file ${origin}; peer bytes ${await node.metric('darner_fetch_peer_bytes_total')}`);
  t.true(busy >= 3);
  t.is(gaveUp, 0, 'no range went to the origin after busy parents');
  t.is(origin, 0, 'the origin served none of the file');
  t.true((await node.metric('darner_fetch_peer_bytes_total')) >= extent.size, 'every chunk came from the holder');
});

test.serial('holders busy past p2p.busy_wait_ms: the range goes to the origin after a bounded number of waits', async (t) => {
  t.timeout(240_000);
  // Waits of 0 (at once), 100, 200, 400 and 800 ms fit in 1500 ms; the next would not.
  const node = await requester(t, 2, 'busy_wait_ms = 1500\nbusy_retry_min_ms = 100\nbusy_retry_max_ms = 1000\n');
  await occupyHolder(t);
  const from = proxy.requests.length;
  const { stdout } = await run('sha256sum', [join(node.mountpoint!, 'data')], { maxBuffer: 1 << 20 });
  t.is(stdout.split(' ')[0], EXPECTED, 'the requester read the right bytes');
  t.is(await holder.metric('darner_p2p_uploads_active'), 1, 'the holder stayed busy');
  const waits = await node.metric('darner_p2p_busy_ranges_total', { step: 'wait' });
  const gaveUp = await node.metric('darner_p2p_busy_ranges_total', { step: 'origin' });
  const origin = originBytesSince(from);
  t.log(`requester waits ${waits}, gave up ${gaveUp}; origin bytes of the file ${origin} of ${extent.size}`);
  t.true(gaveUp >= 1, 'ranges went to the origin once the bound ran out');
  t.true(waits <= gaveUp * 5, `at most 5 waits per range (${waits} waits, ${gaveUp} ranges)`);
  t.true(origin >= extent.size, 'the origin served the file');
});
