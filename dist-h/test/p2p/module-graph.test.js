/**
 * Dependency rules of the P2P code: the daemon loads neither the scheduler nor Redis; the peer
 * side (src/p2p/*.ts) never imports the scheduler (src/p2p/scheduler/), which may import only the
 * shared wire modules; no cycles among src/p2p and src/daemon.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycle, importsOf, reachable } from '../harness/module-graph.js';
/** The compiled tree (what runs) and the sources (type imports included). */
const DIST = fileURLToPath(new URL('../../', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const P2P = join(ROOT, 'src/p2p');
const SCHEDULER = join(P2P, 'scheduler');
/** What the scheduler may take from the peer side: the wire formats and the token file. */
const SHARED = ['address.ts', 'proto.ts', 'token-file.ts'].map((f) => join(P2P, f));
const ts = (dir) => readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
test('the daemon loads neither the scheduler nor ioredis', (t) => {
    const loaded = reachable(join(DIST, 'src/daemon/daemon.js'), { types: false });
    const scheduler = [...loaded.keys()].filter((f) => f.startsWith(join(DIST, 'src/p2p/scheduler/')));
    t.deepEqual(scheduler.map((f) => relative(DIST, f)), []);
    const redis = [...loaded].filter(([, m]) => m.packages.includes('ioredis')).map(([f]) => relative(DIST, f));
    t.deepEqual(redis, []);
    // The walk did reach the peer: the rule above is about something that is loaded.
    t.true(loaded.has(join(DIST, 'src/p2p/daemon-peer.js')));
});
test('src/p2p → src/p2p/scheduler never; the scheduler takes only the shared wire modules from src/p2p', (t) => {
    const peerSide = ts(P2P).flatMap((f) => importsOf(f, { types: true }).modules
        .filter((m) => m.startsWith(`${SCHEDULER}/`))
        .map((m) => `${relative(ROOT, f)} → ${relative(ROOT, m)}`));
    t.deepEqual(peerSide, []);
    const schedulerSide = ts(SCHEDULER).flatMap((f) => importsOf(f, { types: true }).modules
        .filter((m) => m.startsWith(`${P2P}/`) && !m.startsWith(`${SCHEDULER}/`) && !SHARED.includes(m))
        .map((m) => `${relative(ROOT, f)} → ${relative(ROOT, m)}`));
    t.deepEqual(schedulerSide, []);
});
test('no import cycle among src/p2p and src/daemon', (t) => {
    const graph = new Map();
    for (const f of [...ts(P2P), ...ts(SCHEDULER), ...ts(join(ROOT, 'src/daemon'))])
        graph.set(f, importsOf(f, { types: true }));
    t.true(graph.size > 30);
    t.is(findCycle(graph)?.map((f) => relative(ROOT, f)).join(' → '), undefined);
});
test('no P2P module is over 500 lines', (t) => {
    const long = [...ts(P2P), ...ts(SCHEDULER)]
        .map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
        .filter((f) => f.lines > 500);
    t.deepEqual(long, []);
});
//# sourceMappingURL=module-graph.test.js.map