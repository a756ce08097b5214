/**
 * The project's layering, held on the sources (type imports included): each area of src/ imports
 * only the areas below it (format ← fetch/cache ← fs ← daemon; p2p is a chunk source for fetch);
 * src/util sits below all of them; the shared modules at the top of src/ lean only on src/format; nothing in src/ but src/cli
 * imports converter/ or snapshotter/; the snapshotter reaches the daemon only through its client.
 */
import test from 'ava';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importsOf } from './harness/module-graph.js';
import { layerViolations } from './harness/layering.js';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tsFiles = (dir) => readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory())
        return tsFiles(path);
    return f.endsWith('.ts') && !f.endsWith('.d.ts') ? [path] : [];
});
/** Areas of the core below the daemon, bottom first. */
const CORE = ['src/format', 'src/oci', 'src/fstree', 'src/layer', 'src/blob', 'src/image', 'src/cache', 'src/fetch', 'src/fs', 'src/p2p', 'src/mirror'];
/** src/util: low-level helpers that import nothing of darner's, below every other area. */
const BASE = 'src/util';
/**
 * What each area may import besides itself, the shared modules (src/*.ts) and src/util. An area
 * missing here has no rule yet and fails the test, so a new directory is placed on purpose.
 */
const ABOVE_BASE = {
    'src/format': [],
    'src/oci': [],
    'src/fstree': ['src/format'],
    'src/layer': ['src/format'],
    'src/blob': ['src/oci'],
    'src/image': ['src/format', 'src/oci', 'src/blob', 'src/layer'],
    'src/cache': ['src/format'],
    'src/fetch': ['src/format', 'src/cache', 'src/blob', 'src/oci'],
    'src/fs': ['src/format', 'src/fetch', 'src/cache'],
    'src/p2p': ['src/format', 'src/oci', 'src/blob', 'src/image', 'src/cache', 'src/fetch'],
    // The registry mirror: plain blobs in pieces through the P2P peer, kept in the blob cache.
    'src/mirror': ['src/format', 'src/cache', 'src/fetch', 'src/p2p'],
    'src/daemon': CORE,
    // `darner get`: the daemon's client finds the mirror; the download itself is plain HTTP, with
    // the registry client's authentication (docker config, token dance) when the server asks.
    'src/get': ['src/daemon', 'src/blob'],
    'src/demo': [...CORE, 'src/daemon'],
    'src/cli': [...CORE, 'src/daemon', 'src/demo', 'src/get', 'converter', 'snapshotter'],
    converter: ['src/format', 'src/oci', 'src/fstree', 'src/layer', 'src/blob', 'src/image'],
    snapshotter: ['src/oci', 'src/blob', 'src/image', 'src/daemon/client.ts'],
};
export const LAYERING = {
    [BASE]: [],
    ...Object.fromEntries(Object.entries(ABOVE_BASE).map(([area, allowed]) => [area, [...allowed, BASE]])),
};
/** src/*.ts: errors, digest, log, native, … shared by every area; they lean only on src/format and src/util. */
const SHARED_MAY_IMPORT = ['src/format', BASE];
const sources = ['src', 'converter', 'snapshotter'].flatMap((d) => tsFiles(join(ROOT, d)));
const graph = new Map(sources.map((f) => [relative(ROOT, f), importsOf(f, { types: true }).modules.map((m) => relative(ROOT, m))]));
test('each area imports only the areas below it; src/ never imports converter/ or snapshotter/ outside src/cli', (t) => {
    t.true(graph.size > 150);
    t.deepEqual(layerViolations(graph, LAYERING, SHARED_MAY_IMPORT), []);
});
test('the rule is checked on real edges: the daemon imports fs, converter imports format, src/cli imports converter', (t) => {
    const has = (from, toPrefix) => (graph.get(from) ?? []).some((m) => m.startsWith(toPrefix));
    t.true([...graph.keys()].some((f) => f.startsWith('src/daemon/') && has(f, 'src/fs/')));
    t.true([...graph.keys()].some((f) => f.startsWith('converter/') && has(f, 'src/format/')));
    t.true(has('src/cli/commands.ts', 'converter/'));
});
test('the rule catches an upward import', (t) => {
    const upward = new Map(graph);
    upward.set('src/format/reader.ts', [...(graph.get('src/format/reader.ts') ?? []), 'src/daemon/config.ts']);
    upward.set('src/fetch/fetch-engine.ts', [...(graph.get('src/fetch/fetch-engine.ts') ?? []), 'converter/convert.ts']);
    t.deepEqual(layerViolations(upward, LAYERING, SHARED_MAY_IMPORT), [
        'src/fetch/fetch-engine.ts → converter/convert.ts',
        'src/format/reader.ts → src/daemon/config.ts',
    ]);
});
//# sourceMappingURL=architecture.test.js.map