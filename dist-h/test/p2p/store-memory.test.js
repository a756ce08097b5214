import test from 'ava';
import { MemoryStore } from '../../src/p2p/scheduler/memory-store.js';
import { schedulerStoreSuite } from '../suites/scheduler-store.js';
schedulerStoreSuite(test, async () => {
    const store = new MemoryStore();
    return { store, close: () => store.close() };
});
test('memory store with maxHoldersPerChunk: each resolve sees a window of the holders, and every holder in turn', async (t) => {
    const store = new MemoryStore({ maxHoldersPerChunk: 2 });
    const blob = 'a'.repeat(64);
    const hosts = ['h1', 'h2', 'h3', 'h4', 'h5'];
    for (const hostId of hosts) {
        await store.registerPeer({ hostId, peerUrl: `http://${hostId}:1`, labels: {}, uploadCapacity: 4, isSeed: false, epoch: `e-${hostId}`, registeredAt: 0, lastSeen: 0, currentUploads: 0, uploadBytes: 0, assigned: 0 }, 60_000);
        await store.addHoldings(hostId, `e-${hostId}`, blob, [0, 4096]);
    }
    const seen = new Set();
    for (let call = 0; call < 3; call++) {
        const holders = (await store.holders(blob, [0])).get(0);
        t.is(holders.length, 2);
        t.deepEqual(holders, [...holders].sort());
        for (const h of holders)
            seen.add(h);
    }
    t.deepEqual([...seen].sort(), hosts);
    // A chunk with no more holders than the limit is handed out whole.
    await store.removeHoldings('h1', 'e-h1', blob, [4096]);
    await store.removeHoldings('h2', 'e-h2', blob, [4096]);
    await store.removeHoldings('h3', 'e-h3', blob, [4096]);
    t.deepEqual((await store.holders(blob, [4096])).get(4096), ['h4', 'h5']);
    // The lease election still sees every holder: a chunk held by anyone gets no lease.
    const election = await store.acquireLeases(blob, [0], { hostId: 'h9', epoch: 'x' }, 1000, 0, { ignore: [] });
    t.deepEqual(election.held, [0]);
});
//# sourceMappingURL=store-memory.test.js.map