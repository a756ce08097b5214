// The scheduler's operations over the in-memory store with a fake clock: no I/O at all.
import test from 'ava';
import { BadRequestError, NoSeedPeerError, PeerNotRegisteredError } from '../../src/errors.js';
import { MemoryStore } from '../../src/p2p/scheduler/memory-store.js';
import type { ChunkGroup, PeerRegistration } from '../../src/p2p/scheduler/model.js';
import { SchedulerService } from '../../src/p2p/scheduler/service.js';

const BLOB = 'a'.repeat(64);
const OFFSETS = [0, 4096, 8192, 1048576];

function setup(config: ConstructorParameters<typeof SchedulerService>[0]['config'] = {}) {
  let now = 1_700_000_000_000;
  let ids = 0;
  const service = new SchedulerService({
    store: new MemoryStore(),
    clock: () => now,
    newId: () => `id${++ids}`,
    config: { leaseTtlMs: 10_000, peerTtlMs: 20_000, badPeerMs: 60_000, ...config },
  });
  const advance = (ms: number) => {
    now += ms;
  };
  const register = (hostId: string, extra: Partial<PeerRegistration> = {}) =>
    service.register({ hostId, peerUrl: `http://${hostId}.test:8010`, labels: {}, uploadCapacity: 8, isSeed: false, ...extra });
  return { service, advance, register, now: () => now };
}

/** offset → a short description of what the requester was told. */
function byOffset(groups: ChunkGroup[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const g of groups) {
    const what = g.decision === 'PARENTS'
      ? g.parents.map((p) => `${p.hostId}${p.inProgress ? '*' : ''}`).join(',')
      : g.decision;
    for (const o of g.offsets) out[o] = what;
  }
  return out;
}

test('one BACK_TO_SOURCE per chunk however many resolve at once; the rest wait on the fetcher', async (t) => {
  const { service, register } = setup();
  const hosts = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
  for (const h of hosts) await register(h);
  const answers = await Promise.all(hosts.map((h) => service.resolve({ hostId: h, blobId: BLOB, offsets: OFFSETS })));
  for (const offset of OFFSETS) {
    const fetchers = answers.filter((a) => byOffset(a)[offset] === 'BACK_TO_SOURCE');
    t.is(fetchers.length, 1, `offset ${offset}`);
  }
  // The first resolver won every chunk; everyone else is pointed at it, in progress.
  t.deepEqual(byOffset(answers[0]!), { 0: 'BACK_TO_SOURCE', 4096: 'BACK_TO_SOURCE', 8192: 'BACK_TO_SOURCE', 1048576: 'BACK_TO_SOURCE' });
  for (const a of answers.slice(1)) {
    t.is(a.length, 1);
    t.deepEqual(byOffset(a), { 0: 'n1*', 4096: 'n1*', 8192: 'n1*', 1048576: 'n1*' });
    const g = a[0]!;
    t.true(g.decision === 'PARENTS' && g.leaseDeadline > 0);
  }
  // After its Announce, n1 is an ordinary parent for everyone.
  await service.announce('n1', [{ blobId: BLOB, offsets: OFFSETS }], []);
  const after = await service.resolve({ hostId: 'n2', blobId: BLOB, offsets: OFFSETS });
  t.deepEqual(byOffset(after), { 0: 'n1', 4096: 'n1', 8192: 'n1', 1048576: 'n1' });
});

test('an announce landing between the look at holders and the election does not cost a second origin fetch', async (t) => {
  // A store in which another replica's Announce lands right before this resolve's election.
  let beforeElection: (() => Promise<void>) | undefined;
  class RacyStore extends MemoryStore {
    override async acquireLeases(...args: Parameters<MemoryStore['acquireLeases']>) {
      const hook = beforeElection;
      beforeElection = undefined;
      await hook?.();
      return super.acquireLeases(...args);
    }
  }
  let now = 1_700_000_000_000;
  const service = new SchedulerService({ store: new RacyStore(), clock: () => now });
  for (const h of ['fetcher', 'late']) {
    await service.register({ hostId: h, peerUrl: `http://${h}.test:1`, labels: {}, uploadCapacity: 4, isSeed: false });
  }
  t.deepEqual(byOffset(await service.resolve({ hostId: 'fetcher', blobId: BLOB, offsets: [0, 4096] })), {
    0: 'BACK_TO_SOURCE',
    4096: 'BACK_TO_SOURCE',
  });
  // "late" looks: no holder, a live lease. Before its election runs, the fetcher announces 0
  // (releasing that lease). Without the held check, "late" would win a fresh lease on 0.
  beforeElection = () => service.announce('fetcher', [{ blobId: BLOB, offsets: [0] }], []);
  now += 1;
  t.deepEqual(byOffset(await service.resolve({ hostId: 'late', blobId: BLOB, offsets: [0, 4096] })), {
    0: 'fetcher',
    4096: 'fetcher*',
  });
});

test('the answer groups chunks by identical decisions', async (t) => {
  const { service, register } = setup();
  await register('a');
  await register('b');
  await register('me');
  await service.announce('a', [{ blobId: BLOB, offsets: [0, 4096] }], []);
  await service.announce('b', [{ blobId: BLOB, offsets: [4096, 8192] }], []);
  const groups = await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0, 4096, 8192, 12288, 16384] });
  t.deepEqual(
    groups.map((g) => [g.decision, g.offsets, g.decision === 'PARENTS' ? g.parents.map((p) => p.hostId) : []]),
    [
      ['PARENTS', [0], ['a']],
      ['PARENTS', [4096], ['a', 'b']],
      ['PARENTS', [8192], ['b']],
      ['BACK_TO_SOURCE', [12288, 16384], []],
    ],
  );
});

test('an expired lease is re-elected; re-resolving before the deadline renews it', async (t) => {
  const { service, register, advance } = setup({ leaseTtlMs: 10_000 });
  await register('n1');
  await register('n2');
  t.deepEqual(byOffset(await service.resolve({ hostId: 'n1', blobId: BLOB, offsets: [0] })), { 0: 'BACK_TO_SOURCE' });
  advance(8_000);
  // The holder is still at it: resolving again renews its lease.
  const renewed = await service.resolve({ hostId: 'n1', blobId: BLOB, offsets: [0] });
  t.is(renewed[0]!.decision, 'BACK_TO_SOURCE');
  advance(8_000);
  t.deepEqual(byOffset(await service.resolve({ hostId: 'n2', blobId: BLOB, offsets: [0] })), { 0: 'n1*' });
  advance(2_001);
  // n1 never announced: its lease ran out and n2 is elected.
  t.deepEqual(byOffset(await service.resolve({ hostId: 'n2', blobId: BLOB, offsets: [0] })), { 0: 'BACK_TO_SOURCE' });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'n1', blobId: BLOB, offsets: [0] })), { 0: 'n2*' });
});

test('a lease holder that dies or re-registers loses its leases at once', async (t) => {
  const { service, register, advance } = setup({ peerTtlMs: 20_000, leaseTtlMs: 60_000 });
  await register('n1');
  await register('n2');
  await register('n3');
  await service.resolve({ hostId: 'n1', blobId: BLOB, offsets: [0] });
  await service.resolve({ hostId: 'n2', blobId: BLOB, offsets: [4096] });
  // n1 restarts (new epoch): its lease on 0 is gone. n2 stops heartbeating and expires.
  await register('n1');
  advance(15_000);
  await service.heartbeat('n1', { currentUploads: 0, uploadBytes: 0 });
  await service.heartbeat('n3', { currentUploads: 0, uploadBytes: 0 });
  advance(6_000);
  t.deepEqual(byOffset(await service.resolve({ hostId: 'n3', blobId: BLOB, offsets: [0, 4096] })), {
    0: 'BACK_TO_SOURCE',
    4096: 'BACK_TO_SOURCE',
  });
});

test('a peer not heard from within the TTL expires with everything it announced', async (t) => {
  const { service, register, advance } = setup({ peerTtlMs: 20_000 });
  await register('holder');
  await register('me');
  await service.announce('holder', [{ blobId: BLOB, offsets: [0] }], []);
  advance(19_000);
  await service.heartbeat('me', { currentUploads: 0, uploadBytes: 0 });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'holder' });
  advance(1_000);
  t.deepEqual(await service.sweep(), ['holder']);
  await t.throwsAsync(service.heartbeat('holder', { currentUploads: 0, uploadBytes: 0 }), { instanceOf: PeerNotRegisteredError });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'BACK_TO_SOURCE' });
  // Coming back means registering again, and holding nothing until it announces.
  await register('holder');
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [4096] })), { 4096: 'BACK_TO_SOURCE' });
  t.deepEqual((await service.listPeers()).map((p) => [p.hostId, p.chunks]), [['holder', 0], ['me', 0]]);
});

test('announcing removed chunks stops handing the peer out and releases its lease', async (t) => {
  const { service, register } = setup();
  await register('a');
  await register('b');
  await service.announce('a', [{ blobId: BLOB, offsets: [0] }], []);
  await service.resolve({ hostId: 'a', blobId: BLOB, offsets: [4096] });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'b', blobId: BLOB, offsets: [0, 4096] })), { 0: 'a', 4096: 'a*' });
  // a's cache dropped chunk 0, and its origin fetch of 4096 failed.
  await service.announce('a', [], [{ blobId: BLOB, offsets: [0, 4096] }]);
  t.deepEqual(byOffset(await service.resolve({ hostId: 'b', blobId: BLOB, offsets: [0, 4096] })), {
    0: 'BACK_TO_SOURCE',
    4096: 'BACK_TO_SOURCE',
  });
});

test('a peer reported for BAD_DATA is not handed out for badPeerMs', async (t) => {
  const { service, register, advance } = setup({ badPeerMs: 60_000, peerTtlMs: 120_000 });
  await register('liar');
  await register('honest');
  await register('me');
  await service.announce('liar', [{ blobId: BLOB, offsets: [0] }], []);
  await service.announce('honest', [{ blobId: BLOB, offsets: [0] }], []);
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'honest,liar' });
  await service.report({ hostId: 'me', parentHostId: 'liar', blobId: BLOB, bytes: 4096, durationMs: 5, outcome: 'BAD_DATA' });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'honest' });
  const hb = await service.heartbeat('liar', { currentUploads: 0, uploadBytes: 0 });
  t.true(hb.excludedUntil > 0);
  advance(60_000);
  await service.heartbeat('liar', { currentUploads: 0, uploadBytes: 0 });
  await service.heartbeat('honest', { currentUploads: 0, uploadBytes: 0 });
  await service.heartbeat('me', { currentUploads: 0, uploadBytes: 0 });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'honest,liar' });
});

test('SLOW and UNREACHABLE reports move a peer down the list', async (t) => {
  const { service, register } = setup();
  for (const h of ['p1', 'p2', 'p3', 'me']) await register(h);
  for (const h of ['p1', 'p2', 'p3']) await service.announce(h, [{ blobId: BLOB, offsets: [0] }], []);
  await service.report({ hostId: 'me', parentHostId: 'p1', blobId: BLOB, bytes: 0, durationMs: 0, outcome: 'UNREACHABLE' });
  await service.report({ hostId: 'me', parentHostId: 'p2', blobId: BLOB, bytes: 0, durationMs: 0, outcome: 'SLOW' });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'p3,p2,p1' });
});

test('first choices count as load, so a burst of resolves spreads over the holders', async (t) => {
  const { service, register } = setup();
  for (const h of ['a', 'b', 'r1', 'r2', 'r3', 'r4']) await register(h, { uploadCapacity: 4 });
  for (const h of ['a', 'b']) await service.announce(h, [{ blobId: BLOB, offsets: [0] }], []);
  const firsts: string[] = [];
  for (const r of ['r1', 'r2', 'r3', 'r4']) {
    const [g] = await service.resolve({ hostId: r, blobId: BLOB, offsets: [0] });
    firsts.push(g!.decision === 'PARENTS' ? g!.parents[0]!.hostId : g!.decision);
  }
  t.deepEqual(firsts, ['a', 'b', 'a', 'b']);
  // A heartbeat replaces the guess with the reported load.
  await service.heartbeat('a', { currentUploads: 0, uploadBytes: 0 });
  const [g] = await service.resolve({ hostId: 'r1', blobId: BLOB, offsets: [0] });
  t.is(g!.decision === 'PARENTS' ? g!.parents[0]!.hostId : '', 'a');
});

test('the requester is never its own parent, and excluded hosts are skipped', async (t) => {
  const { service, register } = setup();
  await register('me');
  await register('other');
  await service.announce('me', [{ blobId: BLOB, offsets: [0] }], []);
  await service.announce('other', [{ blobId: BLOB, offsets: [4096] }], []);
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [0] })), { 0: 'BACK_TO_SOURCE' });
  t.deepEqual(byOffset(await service.resolve({ hostId: 'me', blobId: BLOB, offsets: [4096], exclude: ['other'] })), {
    4096: 'BACK_TO_SOURCE',
  });
  // An excluded lease holder means "go to the origin yourself", without a lease.
  t.deepEqual(byOffset(await service.resolve({ hostId: 'other', blobId: BLOB, offsets: [0], exclude: ['me'] })), {
    0: 'SOURCE',
  });
});

test('the same state gives the same answer', async (t) => {
  const run = async () => {
    const { service, register } = setup();
    for (const [h, zone] of [['a', 'z1'], ['b', 'z2'], ['c', 'z1'], ['me', 'z1']] as const) await register(h, { labels: { zone } });
    for (const h of ['a', 'b', 'c']) await service.announce(h, [{ blobId: BLOB, offsets: [0, 4096] }], []);
    return service.resolve({ hostId: 'me', blobId: BLOB, offsets: [4096, 0, 8192] });
  };
  const first = await run();
  t.deepEqual(await run(), first);
  t.deepEqual(byOffset(first), { 0: 'a,c,b', 4096: 'a,c,b', 8192: 'BACK_TO_SOURCE' });
});

test('unknown peers and malformed requests are refused with typed errors', async (t) => {
  const { service, register } = setup();
  await t.throwsAsync(service.resolve({ hostId: 'ghost', blobId: BLOB, offsets: [0] }), { instanceOf: PeerNotRegisteredError });
  await t.throwsAsync(service.announce('ghost', [{ blobId: BLOB, offsets: [0] }], []), { instanceOf: PeerNotRegisteredError });
  await register('me');
  await t.throwsAsync(service.resolve({ hostId: 'me', blobId: 'nothex', offsets: [0] }), { instanceOf: BadRequestError });
  await t.throwsAsync(service.resolve({ hostId: 'me', blobId: BLOB, offsets: [100] }), { instanceOf: BadRequestError });
  await t.throwsAsync(service.resolve({ hostId: 'me', blobId: BLOB, offsets: [-4096] }), { instanceOf: BadRequestError });
  await t.throwsAsync(service.resolve({ hostId: 'me', blobId: BLOB, offsets: new Array(5000).fill(0).map((_, i) => i * 4096) }), {
    instanceOf: BadRequestError,
  });
  await t.throwsAsync(register('bad host'), { instanceOf: BadRequestError });
  await t.throwsAsync(register('x', { peerUrl: 'ftp://x' }), { instanceOf: BadRequestError });
  await t.throwsAsync(service.report({ hostId: 'me', parentHostId: 'me', blobId: BLOB, bytes: 1, durationMs: 1, outcome: 'OK' }), {
    instanceOf: BadRequestError,
  });
});

test('preheat goes to a seed and waits in its task queue', async (t) => {
  const { service, register } = setup();
  await register('plain');
  await t.throwsAsync(service.preheat('registry.test/app:1'), { instanceOf: NoSeedPeerError });
  await register('seed-z2', { isSeed: true, labels: { zone: 'z2' } });
  await register('seed-z1', { isSeed: true, labels: { zone: 'z1' } });
  const notified: string[] = [];
  await service.store.onTask((h) => notified.push(h));
  const res = await service.preheat('registry.test/app:1', { zone: 'z2' });
  t.is(res.seedHostId, 'seed-z2');
  t.deepEqual(notified, ['seed-z2']);
  const tasks = await service.takeTasks('seed-z2');
  t.is(tasks.length, 1);
  t.like(tasks[0], { taskId: res.taskId, kind: 'preheat', imageRef: 'registry.test/app:1' });
  t.deepEqual(await service.takeTasks('seed-z2'), []);
});

test('a preheat task is QUEUED, then holds its seed\'s outcome; only that seed may report it', async (t) => {
  const { service, register, advance } = setup({ taskTtlMs: 60_000 });
  await register('seed-a', { isSeed: true });
  await register('other');
  const res = await service.preheat('registry.test/app:1');
  t.like(await service.taskStatus(res.taskId), { state: 'QUEUED', hostId: 'seed-a', imageRef: 'registry.test/app:1', reason: '' });
  await t.throwsAsync(service.reportTask('other', res.taskId, 'registry.test/app:1', true, ''), { instanceOf: BadRequestError });
  t.like(await service.taskStatus(res.taskId), { state: 'QUEUED' });
  await service.reportTask('seed-a', res.taskId, 'registry.test/app:1', false, 'GET https://registry.test/v2/app/manifests/1: 404\nNot Found');
  t.like(await service.taskStatus(res.taskId), { state: 'FAILED', reason: 'GET https://registry.test/v2/app/manifests/1: 404 Not Found' });
  // A long reason is cut; an empty one still says something.
  await service.reportTask('seed-a', res.taskId, 'registry.test/app:1', false, 'x'.repeat(5000));
  t.is((await service.taskStatus(res.taskId))?.reason.length, 1024);
  await service.reportTask('seed-a', res.taskId, 'registry.test/app:1', false, '');
  t.is((await service.taskStatus(res.taskId))?.reason, 'failed without a reason');
  await service.reportTask('seed-a', res.taskId, 'registry.test/app:1', true, 'ignored');
  t.like(await service.taskStatus(res.taskId), { state: 'SUCCEEDED', reason: '' });
  // A task the scheduler forgot is recorded from the seed's report.
  await service.reportTask('seed-a', 'forgotten-1', 'registry.test/app:2', false, 'boom');
  t.like(await service.taskStatus('forgotten-1'), { state: 'FAILED', hostId: 'seed-a', imageRef: 'registry.test/app:2' });
  await t.throwsAsync(service.taskStatus('has space'), { instanceOf: BadRequestError });
  // A file URL goes with its digest, and only a file URL takes one.
  const digest = `sha256:${'e'.repeat(64)}`;
  await t.throwsAsync(service.preheat('https://files.test/model.bin'), { instanceOf: BadRequestError });
  await t.throwsAsync(service.preheat('registry.test/app:1', {}, digest), { instanceOf: BadRequestError });
  await t.throwsAsync(service.preheat('https://files.test/model.bin', {}, 'sha256:E'), { instanceOf: BadRequestError });
  const file = await service.preheat('https://files.test/model.bin', {}, digest);
  t.like((await service.takeTasks('seed-a')).find((task) => task.taskId === file.taskId), { imageRef: 'https://files.test/model.bin', digest });
  advance(60_001);
  t.is(await service.taskStatus(res.taskId), undefined, 'forgotten after the task TTL');
});

test('cascade: the parents handed out count as load, so successive chunks are relayed by different peers', async (t) => {
  // n1 fetches every chunk; n2..n5 resolve chunk after chunk in the same order (in-order readers).
  const { service, register } = setup({ cascadeFanout: 2 });
  const hosts = ['n1', 'n2', 'n3', 'n4', 'n5'];
  for (const h of hosts) await register(h);
  const relayedBy = new Map<string, number>();
  for (const offset of OFFSETS) {
    t.is(byOffset(await service.resolve({ hostId: 'n1', blobId: BLOB, offsets: [offset] }))[offset], 'BACK_TO_SOURCE');
    for (const h of hosts.slice(1)) {
      const first = byOffset(await service.resolve({ hostId: h, blobId: BLOB, offsets: [offset] }))[offset]!.split(',')[0]!;
      t.true(first.endsWith('*'));
      relayedBy.set(first, (relayedBy.get(first) ?? 0) + 1);
    }
  }
  // Depth first would hand n1 two requesters of every chunk and n2 the other two: 8 and 8.
  t.log(Object.fromEntries(relayedBy));
  t.true(Math.max(...relayedBy.values()) < 8);
  t.true(relayedBy.size >= 3);
});

test('busy holders are ranked after the others but still count as holders: no lease while one is registered, unlike an excluded one', async (t) => {
  const { service, register } = setup();
  for (const h of ['h1', 'h2', 'r']) await register(h);
  await service.announce('h1', [{ blobId: BLOB, offsets: [0] }], []);
  await service.announce('h2', [{ blobId: BLOB, offsets: [0] }], []);
  // A heartbeat clears the scheduler's count of handed-out first choices, so each resolve below
  // starts from the same state.
  const quiet = async () => {
    for (const h of ['h1', 'h2']) await service.heartbeat(h, { currentUploads: 0, uploadBytes: 0 });
  };
  await quiet();
  const first = byOffset(await service.resolve({ hostId: 'r', blobId: BLOB, offsets: [0] }))[0]!;
  t.deepEqual(first.split(',').sort(), ['h1', 'h2']);
  const busyFirst = first.split(',')[0]!;
  const other = busyFirst === 'h1' ? 'h2' : 'h1';
  await quiet();
  t.is(byOffset(await service.resolve({ hostId: 'r', blobId: BLOB, offsets: [0] }))[0], first, 'the same state, the same answer');
  await quiet();
  t.is(byOffset(await service.resolve({ hostId: 'r', blobId: BLOB, offsets: [0], busy: [busyFirst] }))[0], `${other},${busyFirst}`);
  // Every holder busy: still PARENTS, never a lease (that would be a second origin fetch).
  t.regex(byOffset(await service.resolve({ hostId: 'r', blobId: BLOB, offsets: [0], busy: ['h1', 'h2'] }))[0]!, /^h[12],h[12]$/);
  t.is(byOffset(await service.resolve({ hostId: 'r', blobId: BLOB, offsets: [0], exclude: ['h1', 'h2'] }))[0], 'BACK_TO_SOURCE');
  await t.throwsAsync(service.resolve({ hostId: 'r', blobId: BLOB, offsets: [0], busy: ['not a host id!'] }), { instanceOf: BadRequestError });
});
