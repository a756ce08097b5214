import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { MetaStore } from '../../snapshotter/metastore.js';
import { mulberry32 } from '../harness/prng.js';
import { startSnapshotter, snapshotsClient } from '../harness/snapshotter.js';
import { ReferenceModel } from './reference-model.js';
// The snapshotter runs as a child process (the real CLI) and is SIGKILLed while a mutating call
// is in flight, at a random moment, over and over on the same root. After every restart the
// state must be the one before or the one after that call (nothing in between), every snapshot's
// directories must be there, and at the end Cleanup must leave exactly one directory per snapshot.
const ROUNDS = 14;
const toModel = (i) => ({
    name: i.name,
    kind: i.kind.toLowerCase(),
    parent: i.parent,
    labels: i.labels,
});
async function actualState(client) {
    return (await client.list()).infos.map(toModel).sort((a, b) => (a.name < b.name ? -1 : 1));
}
/** The directory a mount writes to (bind source or overlay upperdir), and the lowerdirs. */
function mountDirs(mounts) {
    const m = mounts[0];
    if (!m)
        return { lower: [] };
    if (m.type === 'bind')
        return { upper: m.source, lower: [] };
    const opt = (name) => m.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
    return { upper: opt('upperdir'), lower: (opt('lowerdir') ?? '').split(':').filter(Boolean) };
}
function fillLayer(dir, rand) {
    const n = 5 + Math.floor(rand() * 30);
    fs.mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
    for (let i = 0; i < n; i++)
        fs.writeFileSync(path.join(dir, i % 2 ? 'sub' : 'sub/deeper', `f${i}`), Buffer.alloc(1000 + i * 37, i));
}
async function runOp(client, o, rand) {
    try {
        switch (o.op) {
            case 'prepare': {
                const mounts = await client.prepare(o.key, o.parent, o.labels);
                const { upper } = mountDirs(mounts);
                if (upper)
                    fillLayer(upper, rand);
                return { ok: true };
            }
            case 'view':
                await client.view(o.key, o.parent, o.labels);
                return { ok: true };
            case 'commit':
                await client.commit(o.name, o.key, o.labels);
                return { ok: true };
            case 'remove':
                await client.remove(o.key);
                return { ok: true };
            case 'update':
                await client.update({ name: o.key, labels: o.labels }, o.paths);
                return { ok: true };
            default:
                throw new Error(`unexpected op ${o.op}`);
        }
    }
    catch (err) {
        const code = err.code;
        if (code === undefined)
            throw err;
        return { ok: false, code: grpc.status[code] };
    }
}
/** A mutating operation that is usually valid in the model's current state. */
function nextOp(model, rand, counter) {
    const all = model.state();
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const committed = all.filter((s) => s.kind === 'committed');
    const active = all.filter((s) => s.kind === 'active');
    const leaves = all.filter((s) => !all.some((c) => c.parent === s.name));
    const labels = rand() < 0.5 ? { a: String(Math.floor(rand() * 3)) } : {};
    const r = rand();
    if (r < 0.1 && all.length > 0) {
        // Something that must fail: remove any snapshot (fails with children) or commit anything.
        return rand() < 0.5 ? { op: 'remove', key: pick(all).name } : { op: 'commit', name: `c${counter.n++}`, key: pick(all).name, labels };
    }
    if (r < 0.45 || all.length === 0)
        return { op: 'prepare', key: `k${counter.n++}`, parent: pick(['', ...committed.map((s) => s.name)]) ?? '', labels };
    if (r < 0.55)
        return { op: 'view', key: `v${counter.n++}`, parent: pick(['', ...committed.map((s) => s.name)]) ?? '', labels };
    if (r < 0.75 && active.length > 0)
        return { op: 'commit', name: `c${counter.n++}`, key: pick(active).name, labels };
    if (r < 0.9 && leaves.length > 0)
        return { op: 'remove', key: pick(leaves).name };
    return { op: 'update', key: pick(all).name, labels: { a: String(Math.floor(rand() * 3)) }, paths: rand() < 0.5 ? ['labels.a'] : [] };
}
async function checkDirectoriesExist(t, client, state) {
    for (const s of state) {
        if (s.kind === 'committed') {
            await client.usage(s.name); // must not fail
            continue;
        }
        const { upper, lower } = mountDirs(await client.mounts(s.name));
        for (const d of [...(upper ? [upper] : []), ...lower])
            t.true(fs.statSync(d).isDirectory(), `${s.name}: ${d}`);
    }
}
/** The same operations and kill points every run unless DARNER_CRASH_SEED asks for others. */
const DEFAULT_CRASH_SEED = 20_241_107;
function crashSeed() {
    const text = process.env.DARNER_CRASH_SEED;
    if (text === undefined || text === '')
        return DEFAULT_CRASH_SEED;
    const seed = Number(text);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
        throw new Error(`DARNER_CRASH_SEED must be a whole number below 2^32, got ${text}`);
    return seed;
}
test('SIGKILL mid-operation leaves the old or the new state; Cleanup removes the orphans', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-crash-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const root = path.join(dir, 'root');
    const address = path.join(dir, 'sn.sock');
    const seed = crashSeed();
    t.log(`seed ${seed} (DARNER_CRASH_SEED=${seed} replays this run)`);
    const rand = mulberry32(seed);
    const counter = { n: 0 };
    let model = new ReferenceModel();
    let inFlight;
    let landedAfter = 0;
    let landedBefore = 0;
    const reconcile = async (client) => {
        const actual = JSON.stringify(await actualState(client));
        if (inFlight) {
            const after = model.clone();
            after.apply(inFlight);
            if (actual === JSON.stringify(after.state())) {
                model = after;
                landedAfter += 1;
                return;
            }
            landedBefore += 1;
        }
        t.is(actual, JSON.stringify(model.state()), `state after a crash during ${JSON.stringify(inFlight)}`);
    };
    for (let round = 0; round < ROUNDS; round++) {
        const sn = await startSnapshotter({ root, address });
        const client = snapshotsClient(address);
        try {
            await reconcile(client);
            await checkDirectoriesExist(t, client, model.state());
            const steps = 2 + Math.floor(rand() * 5);
            for (let i = 0; i < steps; i++) {
                const o = nextOp(model, rand, counter);
                const expected = model.apply(o);
                const actual = await runOp(client, o, rand);
                t.deepEqual(actual.ok ? 'ok' : actual.code, expected.ok ? 'ok' : expected.code, JSON.stringify(o));
            }
            inFlight = nextOp(model, rand, counter);
            const pending = runOp(client, inFlight, rand).catch(() => undefined);
            // Somewhere between "before the request arrives" and "after it is answered".
            if (rand() < 0.7)
                await sleep(Math.floor(rand() * 12));
            else
                for (let i = Math.floor(rand() * 40); i > 0; i--)
                    await new Promise((r) => setImmediate(r));
            sn.kill('SIGKILL');
            await sn.exited;
            await pending;
        }
        finally {
            client.close();
            await sn.stop();
        }
    }
    const sn = await startSnapshotter({ root, address });
    const client = snapshotsClient(address);
    try {
        await reconcile(client);
        await checkDirectoriesExist(t, client, model.state());
        await client.cleanup();
    }
    finally {
        client.close();
        await sn.stop();
    }
    t.log(`${ROUNDS} kills: in-flight call landed ${landedAfter}×, was lost ${landedBefore}×; ${model.state().length} snapshots left`);
    // With the process gone, compare the database with the directories exactly.
    const store = MetaStore.open(path.join(root, 'metadata.db'));
    const records = store.withTransaction(false, (tx) => tx.all());
    store.close();
    const dirs = fs.readdirSync(path.join(root, 'snapshots')).sort();
    t.deepEqual(dirs, records.map((r) => String(r.id)).sort());
    for (const r of records) {
        t.true(fs.existsSync(path.join(root, 'snapshots', String(r.id), 'fs')));
        if (r.kind === 'active')
            t.true(fs.existsSync(path.join(root, 'snapshots', String(r.id), 'work')));
    }
    t.deepEqual(records.map((r) => r.key).sort(), model.state().map((s) => s.name).sort());
});
//# sourceMappingURL=crash.test.js.map