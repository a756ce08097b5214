// SchedulerClient when the scheduler is missing, comes up late, or restarts with its state lost.
import test from 'ava';
import { freePort } from '../harness/redis.js';
import { BLOB, client, eventually, inProcessScheduler } from './helpers.js';
/** Fails the test if `promise` has not settled after `ms` (a hang guard, not a speed assertion). */
async function settlesWithin(promise, ms) {
    let timer;
    const guard = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
    });
    try {
        return await Promise.race([promise, guard]);
    }
    finally {
        clearTimeout(timer);
    }
}
test('with no scheduler, resolve answers "no P2P"; once one starts, the client registers and P2P works', async (t) => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const held = [{ blobId: BLOB, offsets: [0, 4096] }];
    const a = client(t, [address], 'early-a', { listHoldings: () => held, resolveTimeoutMs: 300 });
    // Nobody listens: the answer is immediate and says every chunk goes to the origin.
    const offline = await settlesWithin(a.resolve(BLOB, [4096, 0, 4096]), 5000);
    t.deepEqual(offline, { p2p: false, groups: [{ decision: 'SOURCE', offsets: [0, 4096] }] });
    t.is(a.state, 'connecting');
    // The daemon fetched chunk 8192 from the origin meanwhile: its cache (listHoldings) has it.
    held[0].offsets.push(8192);
    a.announce(BLOB, [8192]);
    await inProcessScheduler(t, { listen: address });
    t.true(await a.ready(20_000));
    const b = client(t, [address], 'late-b');
    t.true(await b.ready(20_000));
    // a re-announced what its cache holds on registration.
    await eventually(async () => (await b.listPeers()).find((p) => p.hostId === 'early-a')?.chunks === 3);
    const answer = await b.resolve(BLOB, [0, 8192, 12288]);
    t.true(answer.p2p);
    t.deepEqual(answer.groups.map((g) => [g.decision, g.offsets, g.decision === 'PARENTS' ? g.parents.map((p) => p.hostId) : []]), [
        ['PARENTS', [0, 8192], ['early-a']],
        ['BACK_TO_SOURCE', [12288], []],
    ]);
});
test('after a scheduler restart that lost its state, clients re-register and re-announce', async (t) => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const first = await inProcessScheduler(t, { listen: address });
    const holdings = new Map([[BLOB, [0, 4096, 8192]]]);
    const listHoldings = async function* () {
        for (const [blobId, offsets] of holdings)
            yield { blobId, offsets };
    };
    const holder = client(t, [address], 'holder', { listHoldings });
    const asker = client(t, [address], 'asker');
    t.true(await holder.ready(20_000));
    t.true(await asker.ready(20_000));
    const parentsOf = async () => {
        const r = await asker.resolve(BLOB, [4096]);
        const g = r.groups[0];
        return g?.decision === 'PARENTS' ? g.parents.map((p) => p.hostId) : [];
    };
    t.deepEqual(await parentsOf(), ['holder']);
    const states = [];
    holder.on('state', (s) => states.push(s));
    await first.stop();
    // While it is down, resolves go to the origin without waiting.
    await eventually(async () => !(await asker.resolve(BLOB, [4096])).p2p, 20_000, 'asker notices the outage');
    await inProcessScheduler(t, { listen: address });
    await eventually(async () => (await parentsOf()).includes('holder'), 20_000, 'holder found again after the restart');
    t.true(states.includes('connecting'));
    t.is(holder.state, 'ready');
});
test('without listHoldings, announcements queued while offline are sent once registered', async (t) => {
    const address = `127.0.0.1:${await freePort()}`;
    const a = client(t, [address], 'queue-keeper');
    a.announce(BLOB, [0, 4096]);
    a.withdraw(BLOB, [4096]);
    await inProcessScheduler(t, { listen: address });
    t.true(await a.ready(20_000));
    await eventually(async () => (await a.listPeers()).find((p) => p.hostId === 'queue-keeper')?.chunks === 1);
    t.pass();
});
test('announce and withdraw coalesce: the last change per chunk wins', async (t) => {
    const sched = await inProcessScheduler(t);
    const c = client(t, [sched.address], 'coalescer', { announceDelayMs: 60_000 });
    t.true(await c.ready(20_000));
    c.announce(BLOB, [0, 4096, 8192]);
    c.withdraw(BLOB, [4096]);
    c.announce(BLOB, [12288]);
    c.withdraw(BLOB, [12288]);
    c.announce(BLOB, [12288]);
    await c.flush();
    t.is((await c.listPeers()).find((p) => p.hostId === 'coalescer')?.chunks, 3);
});
test('close() unregisters at once', async (t) => {
    const sched = await inProcessScheduler(t);
    const a = client(t, [sched.address], 'leaving');
    const b = client(t, [sched.address], 'staying');
    t.true(await a.ready(20_000));
    t.true(await b.ready(20_000));
    a.announce(BLOB, [0]);
    await a.close();
    t.is(a.state, 'closed');
    t.deepEqual((await b.listPeers()).map((p) => p.hostId), ['staying']);
    t.is((await b.resolve(BLOB, [0])).groups[0]?.decision, 'BACK_TO_SOURCE');
    // A closed client answers "no P2P".
    t.false((await a.resolve(BLOB, [0])).p2p);
});
//# sourceMappingURL=client.test.js.map