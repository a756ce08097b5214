/**
 * The StateStore conformance suite: every store implementation (memory, Redis) must pass it.
 * A test file calls `schedulerStoreSuite(test, openStore)`; `openStore` gives each test a fresh,
 * empty store (for Redis: a new key prefix on a shared server) and its own cleanup.
 *
 * Time is the real clock here (Redis expires keys by its own clock), so expiry tests use short
 * TTLs and wait well past them; no test asserts how fast anything happens.
 */
import type { ExecutionContext, TestFn } from 'ava';
import type { PeerRecord, Relay, Task, TaskStatus } from '../../src/p2p/scheduler/model.js';
import type { StateStore } from '../../src/p2p/scheduler/store.js';

const BLOB = 'b'.repeat(64);
const OTHER_BLOB = 'c'.repeat(64);
const LONG = 600_000;

/** The leases an election left (for tests that do not ask for the held check). */
async function leasesOf(store: StateStore, ...args: Parameters<StateStore['acquireLeases']>) {
  return (await store.acquireLeases(...args)).leases;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function peer(hostId: string, extra: Partial<PeerRecord> = {}): PeerRecord {
  const now = Date.now();
  return {
    hostId,
    peerUrl: `http://${hostId}.test:8010`,
    labels: { zone: 'z1', rack: `r-${hostId}` },
    uploadCapacity: 8,
    isSeed: false,
    epoch: `${hostId}-e1`,
    registeredAt: now,
    lastSeen: now,
    currentUploads: 0,
    uploadBytes: 0,
    assigned: 0,
    ...extra,
  };
}

export function schedulerStoreSuite(test: TestFn, open: () => Promise<{ store: StateStore; close: () => Promise<void> }>): void {
  const withStore = async (t: ExecutionContext) => {
    const { store, close } = await open();
    t.teardown(close);
    return store;
  };

  test('a registered peer reads back field for field', async (t) => {
    const store = await withStore(t);
    const p = peer('n1', { isSeed: true, uploadCapacity: 3, labels: { zone: 'z9', 'topology/rack': 'r 1' } });
    await store.registerPeer(p, LONG);
    const got = await store.getPeers(['n1', 'unknown'], Date.now());
    t.deepEqual([...got.keys()], ['n1']);
    t.deepEqual(got.get('n1'), p);
    await store.registerPeer(peer('n0'), LONG);
    t.deepEqual((await store.listPeers(Date.now())).map((x) => x.hostId), ['n0', 'n1']);
  });

  test('heartbeat refreshes load and clears assignments; unknown hosts get undefined', async (t) => {
    const store = await withStore(t);
    await store.registerPeer(peer('n1'), LONG);
    await store.noteAssigned(['n1', 'n1-never-registered']);
    await store.noteAssigned(['n1']);
    t.is((await store.getPeers(['n1'], Date.now())).get('n1')?.assigned, 2);
    // Assignments never bring an unknown peer into existence.
    t.deepEqual([...(await store.getPeers(['n1-never-registered'], Date.now())).keys()], []);
    const now = Date.now();
    const hb = await store.heartbeat('n1', { currentUploads: 5, uploadBytes: 123_456_789 }, now, LONG);
    t.like(hb, { hostId: 'n1', currentUploads: 5, uploadBytes: 123_456_789, assigned: 0, lastSeen: now });
    t.like((await store.getPeers(['n1'], now)).get('n1'), { currentUploads: 5, uploadBytes: 123_456_789, assigned: 0 });
    t.is(await store.heartbeat('ghost', { currentUploads: 0, uploadBytes: 0 }, now, LONG), undefined);
  });

  test('a released hand-out counts one less, never below 0, and never creates a peer', async (t) => {
    const store = await withStore(t);
    await store.registerPeer(peer('n1'), LONG);
    await store.noteAssigned(['n1']);
    await store.noteAssigned(['n1']);
    await store.noteReleased('n1');
    t.is((await store.getPeers(['n1'], Date.now())).get('n1')?.assigned, 1);
    await store.noteReleased('n1');
    await store.noteReleased('n1');
    t.is((await store.getPeers(['n1'], Date.now())).get('n1')?.assigned, 0);
    await store.noteReleased('n1-never-registered');
    t.deepEqual([...(await store.getPeers(['n1-never-registered'], Date.now())).keys()], []);
  });

  test('holdings are per chunk, sorted, counted, and need the current epoch', async (t) => {
    const store = await withStore(t);
    await store.registerPeer(peer('b'), LONG);
    await store.registerPeer(peer('a'), LONG);
    t.true(await store.addHoldings('b', 'b-e1', BLOB, [0, 4096, 8192]));
    t.true(await store.addHoldings('a', 'a-e1', BLOB, [4096]));
    t.true(await store.addHoldings('a', 'a-e1', OTHER_BLOB, [0]));
    t.false(await store.addHoldings('a', 'a-e0', BLOB, [0]));
    t.false(await store.addHoldings('ghost', 'x', BLOB, [0]));
    const holders = await store.holders(BLOB, [0, 4096, 8192, 12288]);
    t.deepEqual(Object.fromEntries(holders), { 0: ['b'], 4096: ['a', 'b'], 8192: ['b'], 12288: [] });
    t.deepEqual(Object.fromEntries(await store.heldCounts(['a', 'b', 'ghost'])), { a: 2, b: 3, ghost: 0 });
    t.true(await store.removeHoldings('b', 'b-e1', BLOB, [4096, 12288]));
    t.deepEqual(Object.fromEntries(await store.holders(BLOB, [4096])), { 4096: ['a'] });
    t.false(await store.removeHoldings('b', 'b-e0', BLOB, [0]));
    t.deepEqual(Object.fromEntries(await store.holders(BLOB, [0])), { 0: ['b'] });
  });

  test('a large announce is recorded whole', async (t) => {
    const store = await withStore(t);
    await store.registerPeer(peer('big'), LONG);
    const offsets = Array.from({ length: 10_000 }, (_, i) => i * 4096);
    t.true(await store.addHoldings('big', 'big-e1', BLOB, offsets));
    t.is((await store.heldCounts(['big'])).get('big'), 10_000);
    const holders = await store.holders(BLOB, [0, 9999 * 4096, 10_000 * 4096]);
    t.deepEqual(Object.fromEntries(holders), { 0: ['big'], [9999 * 4096]: ['big'], [10_000 * 4096]: [] });
  });

  test('re-registering drops the host\'s holdings and the leases of its old epoch', async (t) => {
    const store = await withStore(t);
    await store.registerPeer(peer('n1'), LONG);
    await store.registerPeer(peer('n2'), LONG);
    await store.addHoldings('n1', 'n1-e1', BLOB, [0]);
    const now = Date.now();
    await leasesOf(store, BLOB, [4096], { hostId: 'n1', epoch: 'n1-e1' }, LONG, now);
    await store.registerPeer(peer('n1', { epoch: 'n1-e2' }), LONG);
    t.deepEqual(Object.fromEntries(await store.holders(BLOB, [0])), { 0: [] });
    t.is((await store.heldCounts(['n1'])).get('n1'), 0);
    const leases = await leasesOf(store, BLOB, [4096], { hostId: 'n2', epoch: 'n2-e1' }, LONG, now);
    t.is(leases.get(4096)?.hostId, 'n2');
    t.is((await store.getPeers(['n1'], now)).get('n1')?.epoch, 'n1-e2');
  });

  test('the lease election: first caller wins, others see its lease, the holder renews', async (t) => {
    const store = await withStore(t);
    for (const h of ['n1', 'n2']) await store.registerPeer(peer(h), LONG);
    const now = Date.now();
    const first = await leasesOf(store, BLOB, [0, 4096], { hostId: 'n1', epoch: 'n1-e1' }, 30_000, now);
    t.deepEqual(Object.fromEntries(first), {
      0: { hostId: 'n1', epoch: 'n1-e1', deadline: now + 30_000 },
      4096: { hostId: 'n1', epoch: 'n1-e1', deadline: now + 30_000 },
    });
    const second = await leasesOf(store, BLOB, [0, 4096, 8192], { hostId: 'n2', epoch: 'n2-e1' }, 30_000, now + 5);
    t.deepEqual(Object.fromEntries(second), {
      0: { hostId: 'n1', epoch: 'n1-e1', deadline: now + 30_000 },
      4096: { hostId: 'n1', epoch: 'n1-e1', deadline: now + 30_000 },
      8192: { hostId: 'n2', epoch: 'n2-e1', deadline: now + 5 + 30_000 },
    });
    const renewed = await leasesOf(store, BLOB, [0], { hostId: 'n1', epoch: 'n1-e1' }, 30_000, now + 10);
    t.is(renewed.get(0)?.deadline, now + 10 + 30_000);
    // Announcing the chunk (added or removed) releases the announcer's lease.
    await store.addHoldings('n1', 'n1-e1', BLOB, [0]);
    await store.removeHoldings('n1', 'n1-e1', BLOB, [4096]);
    const third = await leasesOf(store, BLOB, [0, 4096], { hostId: 'n2', epoch: 'n2-e1' }, 30_000, now + 20);
    t.is(third.get(0)?.hostId, 'n2');
    t.is(third.get(4096)?.hostId, 'n2');
  });

  test('concurrent elections agree on one holder per chunk', async (t) => {
    const store = await withStore(t);
    const hosts = Array.from({ length: 12 }, (_, i) => `n${i}`);
    for (const h of hosts) await store.registerPeer(peer(h), LONG);
    const offsets = Array.from({ length: 64 }, (_, i) => i * 4096);
    const now = Date.now();
    // Each host asks in its own order, so that the calls interleave as much as the store allows.
    const answers = await Promise.all(hosts.map((h, i) =>
      leasesOf(store, BLOB, i % 2 ? [...offsets].reverse() : offsets, { hostId: h, epoch: `${h}-e1` }, LONG, now)));
    for (const offset of offsets) {
      const holdersSeen = new Set(answers.map((a) => a.get(offset)?.hostId));
      t.is(holdersSeen.size, 1, `offset ${offset}`);
      t.false(holdersSeen.has(undefined));
    }
  });

  test('with unlessHeld, the election leaves chunks that a live, not ignored peer holds', async (t) => {
    const store = await withStore(t);
    for (const h of ['me', 'holder', 'bad', 'gone', 'other']) await store.registerPeer(peer(h), LONG);
    await store.addHoldings('holder', 'holder-e1', BLOB, [0]);
    await store.addHoldings('bad', 'bad-e1', BLOB, [4096]);
    await store.addHoldings('gone', 'gone-e1', BLOB, [8192]);
    await store.addHoldings('me', 'me-e1', BLOB, [12288]);
    await store.unregisterPeer('gone');
    const now = Date.now();
    // "other" is fetching 16384 already: its live lease is reported whatever the holdings.
    await store.acquireLeases(BLOB, [16384], { hostId: 'other', epoch: 'other-e1' }, LONG, now);
    await store.addHoldings('holder', 'holder-e1', BLOB, [16384]);
    await store.acquireLeases(BLOB, [16384], { hostId: 'other', epoch: 'other-e1' }, LONG, now);
    const election = await store.acquireLeases(BLOB, [0, 4096, 8192, 12288, 16384, 20480],
      { hostId: 'me', epoch: 'me-e1' }, LONG, now, { ignore: ['me', 'bad'] });
    t.deepEqual(election.held, [0]);
    t.deepEqual(
      [...election.leases].sort((a, b) => a[0] - b[0]).map(([o, l]) => [o, l.hostId]),
      [[4096, 'me'], [8192, 'me'], [12288, 'me'], [16384, 'other'], [20480, 'me']],
    );
    // Without the check, held chunks get a lease too.
    const forced = await store.acquireLeases(BLOB, [0], { hostId: 'me', epoch: 'me-e1' }, LONG, now);
    t.deepEqual(forced.held, []);
    t.is(forced.leases.get(0)?.hostId, 'me');
  });

  test('relays are kept per chunk and relay host, a later record replacing the earlier', async (t) => {
    const store = await withStore(t);
    const deadline = Date.now() + LONG;
    const relay = (hostId: string, parentHostId: string, depth: number): Relay => ({
      hostId, epoch: `${hostId}-e1`, parentHostId, depth, rootHostId: 'root', rootEpoch: 'root-e1', deadline,
    });
    t.deepEqual([...(await store.relays(BLOB, [0])).entries()], [[0, []]]);
    await store.putRelays(BLOB, [{ offset: 0, relay: relay('n1', 'root', 1) }, { offset: 4096, relay: relay('n1', 'root', 1) }], Date.now());
    await store.putRelays(BLOB, [{ offset: 0, relay: relay('n2', 'n1', 2) }], Date.now());
    await store.putRelays(BLOB, [{ offset: 0, relay: relay('n1', 'n3', 1) }], Date.now());
    const got = await store.relays(BLOB, [0, 4096, 8192]);
    const sorted = (list: Relay[] | undefined) => [...(list ?? [])].sort((a, b) => (a.hostId < b.hostId ? -1 : 1));
    t.deepEqual(sorted(got.get(0)), [relay('n1', 'n3', 1), relay('n2', 'n1', 2)]);
    t.deepEqual(got.get(4096), [relay('n1', 'root', 1)]);
    t.deepEqual(got.get(8192), []);
    t.deepEqual((await store.relays(OTHER_BLOB, [0])).get(0), []);
  });

  test('relays past their deadline are dropped by the sweep', async (t) => {
    const store = await withStore(t);
    const deadline = Date.now() + 150;
    await store.putRelays(BLOB, [{ offset: 0, relay: { hostId: 'n1', epoch: 'n1-e1', parentHostId: 'root', depth: 1, rootHostId: 'root', rootEpoch: 'root-e1', deadline } }], Date.now());
    await sleep(400);
    await store.expirePeers(Date.now());
    t.deepEqual((await store.relays(BLOB, [0])).get(0), []);
  });

  test('a lease past its TTL, or whose holder left, is given to the next caller', async (t) => {
    const store = await withStore(t);
    for (const h of ['n1', 'n2', 'n3']) await store.registerPeer(peer(h), LONG);
    await leasesOf(store, BLOB, [0], { hostId: 'n1', epoch: 'n1-e1' }, 100, Date.now());
    await leasesOf(store, BLOB, [4096], { hostId: 'n3', epoch: 'n3-e1' }, LONG, Date.now());
    t.true(await store.unregisterPeer('n3'));
    t.false(await store.unregisterPeer('n3'));
    await sleep(400);
    const leases = await leasesOf(store, BLOB, [0, 4096], { hostId: 'n2', epoch: 'n2-e1' }, LONG, Date.now());
    t.is(leases.get(0)?.hostId, 'n2');
    t.is(leases.get(4096)?.hostId, 'n2');
  });

  test('a peer past its TTL is gone, and one sweep reports it once with its holdings', async (t) => {
    const store = await withStore(t);
    await store.registerPeer(peer('short'), 150);
    await store.registerPeer(peer('long'), LONG);
    await store.addHoldings('short', 'short-e1', BLOB, [0, 4096]);
    await store.addHoldings('long', 'long-e1', BLOB, [0]);
    await sleep(500);
    const now = Date.now();
    t.deepEqual([...(await store.getPeers(['short', 'long'], now)).keys()], ['long']);
    t.deepEqual((await store.listPeers(now)).map((p) => p.hostId), ['long']);
    t.is(await store.heartbeat('short', { currentUploads: 0, uploadBytes: 0 }, now, LONG), undefined);
    t.deepEqual(await store.expirePeers(now), ['short']);
    t.deepEqual(await store.expirePeers(now), []);
    t.deepEqual(Object.fromEntries(await store.holders(BLOB, [0, 4096])), { 0: ['long'], 4096: [] });
    t.false(await store.addHoldings('short', 'short-e1', BLOB, [8192]));
  });

  test('a heartbeat keeps a short-TTL peer alive', async (t) => {
    const store = await withStore(t);
    // The first TTL only has to outlive the step to the heartbeat, also on a loaded machine; the
    // sleep then outlasts it, so only the heartbeat can have kept the peer.
    await store.registerPeer(peer('n1'), 1500);
    await store.heartbeat('n1', { currentUploads: 1, uploadBytes: 2 }, Date.now(), LONG);
    await sleep(1800);
    t.deepEqual([...(await store.getPeers(['n1'], Date.now())).keys()], ['n1']);
    t.deepEqual(await store.expirePeers(Date.now()), []);
  });

  test('histories update, read back, and the bad-data deadline only grows', async (t) => {
    const store = await withStore(t);
    const now = Date.now();
    t.deepEqual([...(await store.getHistories(['p'], now)).keys()], []);
    const h1 = await store.updateHistory('p', (old) => {
      t.is(old, undefined);
      return { success: 0.7, throughput: 1_000_000, reports: 1, badUntil: now + 60_000, updatedAt: now };
    }, now, LONG);
    t.is(h1.badUntil, now + 60_000);
    const h2 = await store.updateHistory('p', (old) => {
      t.deepEqual(old, h1);
      return { ...old!, success: 0.9, reports: 2, badUntil: 0, updatedAt: now + 1 };
    }, now + 1, LONG);
    t.is(h2.badUntil, now + 60_000);
    t.deepEqual((await store.getHistories(['p', 'q'], now + 2)).get('p'), {
      success: 0.9, throughput: 1_000_000, reports: 2, badUntil: now + 60_000, updatedAt: now + 1,
    });
  });

  test('tasks queue per host, notify listeners, and are taken once', async (t) => {
    const store = await withStore(t);
    const seen: string[] = [];
    let wake: () => void = () => {};
    const arrived = new Promise<void>((r) => {
      wake = r;
    });
    const unsubscribe = await store.onTask((hostId) => {
      seen.push(hostId);
      wake();
    });
    const now = Date.now();
    const task = (id: string): Task => ({ taskId: id, kind: 'preheat', imageRef: `registry.test/${id}:1`, createdAt: now });
    await store.pushTask('seed1', task('t1'), LONG, now);
    await store.pushTask('seed1', task('t2'), LONG, now);
    await store.pushTask('seed2', task('t3'), 1, now - 10);
    await arrived;
    t.true(seen.includes('seed1'));
    t.deepEqual(await store.takeTasks('seed1', now), [task('t1'), task('t2')]);
    t.deepEqual(await store.takeTasks('seed1', now), []);
    // Past its TTL: dropped.
    t.deepEqual(await store.takeTasks('seed2', now), []);
    unsubscribe();
  });
  test('task statuses are replaced by later puts and expire after their TTL', async (t) => {
    const store = await withStore(t);
    const now = Date.now();
    const status = (state: TaskStatus['state'], reason = ''): TaskStatus =>
      ({ taskId: 't1', hostId: 'seed1', imageRef: 'registry.test/app:1', kind: 'preheat', state, reason, createdAt: now - 5, updatedAt: now });
    t.is(await store.getTaskStatus('t1', now), undefined);
    await store.putTaskStatus(status('QUEUED'), LONG, now);
    t.deepEqual(await store.getTaskStatus('t1', now), status('QUEUED'));
    await store.putTaskStatus(status('FAILED', 'manifest unknown'), LONG, now);
    t.deepEqual(await store.getTaskStatus('t1', now), status('FAILED', 'manifest unknown'));
    await store.putTaskStatus({ ...status('SUCCEEDED'), taskId: 't2' }, 50, now);
    await sleep(300);
    t.is(await store.getTaskStatus('t2', Date.now()), undefined);
    t.deepEqual(await store.getTaskStatus('t1', Date.now()), status('FAILED', 'manifest unknown'));
  });
  test('task statuses are listed most recently changed first, without the expired ones, up to a limit', async (t) => {
    const store = await withStore(t);
    const now = Date.now();
    const status = (taskId: string, updatedAt: number, state: TaskStatus['state'] = 'QUEUED'): TaskStatus =>
      ({ taskId, hostId: 'seed1', imageRef: `registry.test/${taskId}:1`, kind: 'preheat', state, reason: state === 'FAILED' ? 'manifest unknown' : '', createdAt: now - 100, updatedAt });
    t.deepEqual(await store.listTaskStatuses(now, 10), []);
    await store.putTaskStatus(status('a', now - 30), LONG, now - 30);
    await store.putTaskStatus(status('b', now - 20), LONG, now - 20);
    await store.putTaskStatus(status('c', now - 10), LONG, now - 10);
    await store.putTaskStatus(status('gone', now - 5), 1, now - 5);
    // A later change moves a task to the front and replaces what is listed for it.
    await store.putTaskStatus(status('a', now, 'FAILED'), LONG, now);
    t.deepEqual(await store.listTaskStatuses(now, 10), [status('a', now, 'FAILED'), status('c', now - 10), status('b', now - 20)]);
    t.deepEqual((await store.listTaskStatuses(now, 2)).map((s) => s.taskId), ['a', 'c']);
  });
}
