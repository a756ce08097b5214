import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import pino from 'pino';
import { DarnerError } from '../../src/errors.js';
import { Snapshotter } from '../../snapshotter/snapshotter.js';
import { MODEL_FILTERS, ReferenceModel } from './reference-model.js';
// Random operation sequences on a small key space (so that collisions, missing parents and
// children are frequent) run against the real core and the reference model; outcomes, returned
// infos and the whole state after every step must agree, and every snapshot must own exactly one
// directory of the right shape.
const KEYS = ['a', 'b', 'c', 'd', 'e'];
const key = fc.constantFrom(...KEYS);
const parent = fc.constantFrom('', ...KEYS);
const labelValue = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('', '1', '2') }, { weight: 1, arbitrary: fc.constant('x'.repeat(4100)) });
const labels = fc.dictionary(fc.constantFrom('a', 'b', 'containerd.io/snapshot.ref'), labelValue, { maxKeys: 3 });
const paths = fc.array(fc.constantFrom('labels', 'labels.a', 'labels.b', 'labels.c', 'name'), { maxLength: 3 });
const op = fc.oneof({ weight: 4, arbitrary: fc.record({ op: fc.constant('prepare'), key, parent, labels }) }, { weight: 2, arbitrary: fc.record({ op: fc.constant('view'), key, parent, labels }) }, { weight: 4, arbitrary: fc.record({ op: fc.constant('commit'), name: key, key, labels }) }, { weight: 3, arbitrary: fc.record({ op: fc.constant('remove'), key }) }, { weight: 2, arbitrary: fc.record({ op: fc.constant('update'), key, labels, paths }) }, { weight: 1, arbitrary: fc.record({ op: fc.constant('stat'), key }) }, { weight: 1, arbitrary: fc.record({ op: fc.constant('list'), filter: fc.constantFrom(...MODEL_FILTERS) }) });
const plain = (i) => ({ name: i.name, kind: i.kind, parent: i.parent, labels: i.labels });
async function run(sn, o) {
    try {
        switch (o.op) {
            case 'prepare':
                await sn.prepare(o.key, o.parent, o.labels);
                return { ok: true };
            case 'view':
                await sn.view(o.key, o.parent, o.labels);
                return { ok: true };
            case 'commit':
                await sn.commit(o.name, o.key, o.labels);
                return { ok: true };
            case 'remove':
                await sn.remove(o.key);
                return { ok: true };
            case 'update':
                return { ok: true, snapshot: plain(await sn.update({ name: o.key, labels: o.labels }, o.paths)) };
            case 'stat':
                return { ok: true, snapshot: plain(sn.stat(o.key)) };
            case 'list':
                return { ok: true, names: sn.list(o.filter.text === '' ? [] : [o.filter.text]).map((i) => i.name).sort() };
        }
    }
    catch (err) {
        if (err instanceof DarnerError)
            return { ok: false, code: err.code };
        throw err;
    }
}
const describe = (o) => JSON.stringify(o, (k, v) => (k === 'filter' ? v.text : typeof v === 'string' && v.length > 20 ? `<${v.length} bytes>` : v));
test('the core agrees with the reference model over random operation sequences', async (t) => {
    // tmpfs keeps the many fsyncs cheap; the crash test runs on a real disk.
    const base = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'darner-model-'));
    t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
    const logger = pino({ level: 'silent' });
    let runs = 0;
    let steps = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
        const root = fs.mkdtempSync(path.join(base, 'r-'));
        const sn = Snapshotter.open({ root, logger, overlay: { indexOff: false, userxattr: false } });
        const model = new ReferenceModel();
        try {
            for (const [i, o] of ops.entries()) {
                const where = `step ${i} ${describe(o)}`;
                const expected = model.apply(o);
                const actual = await run(sn, o);
                if (JSON.stringify(actual) !== JSON.stringify(expected)) {
                    throw new Error(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
                }
                const state = sn.list().map(plain).sort((a, b) => (a.name < b.name ? -1 : 1));
                if (JSON.stringify(state) !== JSON.stringify(model.state())) {
                    throw new Error(`${where}: state ${JSON.stringify(state)} != model ${JSON.stringify(model.state())}`);
                }
                checkDirectories(root, sn, where);
                steps += 1;
            }
        }
        finally {
            sn.close();
            fs.rmSync(root, { recursive: true, force: true });
        }
        runs += 1;
    }), { numRuns: 300 });
    t.is(runs, 300);
    t.log(`${runs} sequences, ${steps} operations`);
});
/**
 * One directory per snapshot and nothing else; `fs/` always; `work/` for active snapshots and
 * for committed ones (which were active once and keep it, as containerd's do), never for views.
 */
function checkDirectories(root, sn, where) {
    const dirs = fs.readdirSync(path.join(root, 'snapshots')).sort();
    const infos = sn.list();
    if (dirs.length !== infos.length || dirs.some((d) => !/^\d+$/.test(d))) {
        throw new Error(`${where}: directories ${dirs.join(',')} for ${infos.length} snapshots`);
    }
    const withWork = dirs.filter((d) => fs.existsSync(path.join(root, 'snapshots', d, 'work'))).length;
    if (withWork !== infos.filter((i) => i.kind !== 'view').length)
        throw new Error(`${where}: work dirs do not match the non-view snapshots`);
    if (!dirs.every((d) => fs.statSync(path.join(root, 'snapshots', d, 'fs')).isDirectory()))
        throw new Error(`${where}: missing fs dir`);
}
//# sourceMappingURL=model.test.js.map