// The scheduler over gRPC, in-process, with SchedulerClients as peers.
import test from 'ava';
import { SchedulerError } from '../../src/errors.js';
import { SchedulerAdmin, type ResolveGroup, type SchedulerTask } from '../../src/p2p/scheduler-client.js';
import { BLOB, client, eventually, inProcessScheduler, readyClients } from './helpers.js';

const OFFSETS = [0, 4096, 65536, 1048576, 2097152];

function decisionOf(groups: ResolveGroup[], offset: number): string {
  const g = groups.find((x) => x.offsets.includes(offset));
  if (g === undefined) return 'missing';
  if (g.decision !== 'PARENTS') return g.decision;
  return g.parents.map((p) => `${p.hostId}${p.inProgress ? '*' : ''}`).join(',');
}

test('8 peers resolving the same chunks at once: one BACK_TO_SOURCE per chunk, then the fetcher is a parent', async (t) => {
  const sched = await inProcessScheduler(t, { metrics: true, scheduling: { cascadeFanout: 2 } });
  const hosts = Array.from({ length: 8 }, (_, i) => `peer${i}`);
  const peers = await readyClients(t, [sched.address], hosts);
  const answers = await Promise.all(peers.map((p) => p.resolve(BLOB, OFFSETS)));
  t.true(answers.every((a) => a.p2p));
  const fetcherOf = new Map<number, string>();
  for (const offset of OFFSETS) {
    const fetchers = hosts.filter((_, i) => decisionOf(answers[i]!.groups, offset) === 'BACK_TO_SOURCE');
    t.is(fetchers.length, 1, `one fetcher for offset ${offset}`);
    fetcherOf.set(offset, fetchers[0]!);
    // Everyone else waits on an in-progress peer: the fetcher, or one that waits on it (the
    // cascade); no source is first choice of more than its fan-out (2), the fetcher is first
    // choice of at least one and everyone's fallback.
    const firstChoices = new Map<string, number>();
    hosts.forEach((h, i) => {
      if (h === fetchers[0]) return;
      const parents = decisionOf(answers[i]!.groups, offset).split(',');
      t.true(parents.every((p) => p.endsWith('*')), 'every parent is in progress');
      t.true(parents.includes(`${fetchers[0]}*`), 'the fetcher is among the parents');
      firstChoices.set(parents[0]!, (firstChoices.get(parents[0]!) ?? 0) + 1);
    });
    t.true((firstChoices.get(`${fetchers[0]}*`) ?? 0) >= 1, `the fetcher of ${offset} is the first parent of a requester`);
    t.true([...firstChoices.values()].every((n) => n <= 2), `no source of ${offset} is first parent of more than two`);
  }
  // The fetcher announces what it got from the origin.
  for (const offset of OFFSETS) {
    peers[hosts.indexOf(fetcherOf.get(offset)!)]!.announce(BLOB, [offset]);
  }
  await Promise.all(peers.map((p) => p.flush()));
  const after = await Promise.all(peers.map((p) => p.resolve(BLOB, OFFSETS)));
  hosts.forEach((h, i) => {
    for (const offset of OFFSETS) {
      const fetcher = fetcherOf.get(offset)!;
      const d = decisionOf(after[i]!.groups, offset);
      if (h === fetcher) t.is(d, 'BACK_TO_SOURCE', 'the holder itself is never its own parent; it was told to fetch again');
      else t.is(d, fetcher);
    }
  });
  const metrics = await (await fetch(`http://${sched.metricsAddress}/metrics`)).text();
  t.regex(metrics, /darner_scheduler_resolves_total 16/);
  t.regex(metrics, /darner_scheduler_peers 8/);
  t.regex(metrics, /darner_scheduler_back_to_source_total \d+/);
  t.regex(metrics, /darner_scheduler_candidate_hits_total \d+/);
});

test('calls without the token, or with a wrong one, are refused UNAUTHENTICATED', async (t) => {
  const sched = await inProcessScheduler(t, { token: 's3cret-token' });
  for (const token of [undefined, 'wrong-token']) {
    const admin = new SchedulerAdmin({ addresses: [sched.address], ...(token ? { token } : {}) });
    t.teardown(() => admin.close());
    const err = await t.throwsAsync(admin.status(), { instanceOf: SchedulerError });
    t.is(err?.grpcCode, 16);
    t.is(err?.code, 'SCHEDULER_UNAUTHENTICATED');
  }
  const good = new SchedulerAdmin({ addresses: [sched.address], token: 's3cret-token' });
  t.teardown(() => good.close());
  t.is((await good.status()).store, 'memory');
  // A daemon with the wrong token never gets P2P, and says so quickly.
  const bad = client(t, [sched.address], 'bad-token-peer', { token: 'nope' });
  t.false(await bad.ready(1500));
  t.deepEqual(await bad.resolve(BLOB, [0]), { p2p: false, groups: [{ decision: 'SOURCE', offsets: [0] }] });
  const ok = client(t, [sched.address], 'good-token-peer', { token: 's3cret-token' });
  t.true(await ok.ready(20_000));
  t.true((await ok.resolve(BLOB, [0])).p2p);
});

test('BAD_DATA reports exclude the parent, and the parent hears about it', async (t) => {
  const sched = await inProcessScheduler(t);
  const [liar, honest, me] = await readyClients(t, [sched.address], ['liar', 'honest', 'me']);
  liar!.announce(BLOB, [0]);
  honest!.announce(BLOB, [0]);
  await Promise.all([liar!.flush(), honest!.flush()]);
  t.is(decisionOf((await me!.resolve(BLOB, [0])).groups, 0), 'honest,liar');
  const excluded = new Promise<number>((resolve) => liar!.once('excluded', resolve));
  me!.report({ parentHostId: 'liar', blobId: BLOB, bytes: 4096, durationMs: 3, outcome: 'BAD_DATA' });
  await eventually(async () => (await me!.listPeers()).some((p) => p.hostId === 'liar' && p.excludedUntilUnixMs > 0));
  t.is(decisionOf((await me!.resolve(BLOB, [0])).groups, 0), 'honest');
  t.true((await excluded) > Date.now());
});

test('holders named busy come last over gRPC, and are never excluded', async (t) => {
  const sched = await inProcessScheduler(t);
  const [a, b, me] = await readyClients(t, [sched.address], ['a', 'b', 'me']);
  a!.announce(BLOB, [0]);
  b!.announce(BLOB, [0]);
  await Promise.all([a!.flush(), b!.flush()]);
  const both = await me!.resolve(BLOB, [0], { busy: ['a'] });
  t.is(decisionOf(both.groups, 0), 'b,a');
  t.is(decisionOf((await me!.resolve(BLOB, [0], { busy: ['b', 'a'] })).groups, 0).split(',').sort().join(','), 'a,b');
});

test('preheat reaches a seed through WatchTasks', async (t) => {
  const sched = await inProcessScheduler(t);
  const admin = new SchedulerAdmin({ addresses: [sched.address] });
  t.teardown(() => admin.close());
  const noSeed = await t.throwsAsync(admin.preheat('registry.test/app:1'), { instanceOf: SchedulerError });
  t.is(noSeed?.code, 'NO_SEED_PEER');
  const [seed] = await readyClients(t, [sched.address], ['seed-1'], { isSeed: true });
  const received: SchedulerTask[] = [];
  seed!.watchTasks((task) => {
    received.push(task);
  });
  const queued = await admin.preheat('registry.test/app:1');
  t.is(queued.seedHostId, 'seed-1');
  await eventually(() => received.length === 1, 20_000, 'task delivery');
  t.like(received[0], { taskId: queued.taskId, kind: 'preheat', imageRef: 'registry.test/app:1' });
  const bad = await t.throwsAsync(admin.preheat('has space'), { instanceOf: SchedulerError });
  t.is(bad?.code, 'BAD_REQUEST');
});

test('ListPeers and Status show registered peers, their holdings and labels', async (t) => {
  const sched = await inProcessScheduler(t);
  const [a] = await readyClients(t, [sched.address], ['a'], { labels: { zone: 'z1' }, uploadCapacity: 3 });
  await readyClients(t, [sched.address], ['b']);
  a!.announce(BLOB, [0, 4096, 8192]);
  a!.withdraw(BLOB, [8192]);
  await a!.flush();
  const peers = await a!.listPeers();
  t.deepEqual(peers.map((p) => [p.hostId, p.chunks]), [['a', 2], ['b', 0]]);
  t.like(peers[0], { peerUrl: 'http://a.test:8010', labels: { zone: 'z1' }, uploadCapacity: 3, isSeed: false });
  t.like(await a!.status(), { store: 'memory', peers: 2, seeds: 0 });
});
