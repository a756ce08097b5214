import test from 'ava';
import { BadTarError } from '../../src/errors.js';
import { LayerMerger } from '../../converter/layer-merge.js';
function entry(path, kind, extra = {}) {
    return {
        path,
        kind,
        permissions: kind === 'dir' ? 0o755 : 0o644,
        uid: 0,
        gid: 0,
        mtime: 100,
        mtimeNsec: 0,
        size: 0,
        linkTarget: '',
        devMajor: 0,
        devMinor: 0,
        xattrs: new Map(),
        ...extra,
    };
}
function layers(...ls) {
    const merger = new LayerMerger();
    for (const l of ls) {
        merger.beginLayer();
        for (const e of l)
            merger.apply(e);
    }
    return merger;
}
function paths(node, prefix = '') {
    if (node.kind !== 'dir')
        return [];
    const out = [];
    for (const [name, child] of [...node.entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const p = prefix === '' ? name : `${prefix}/${name}`;
        out.push(child.kind === 'dir' ? `${p}/` : p, ...paths(child, p));
    }
    return out;
}
test('a whiteout deletes the lower entry and its subtree', (t) => {
    const m = layers([entry('a', 'dir'), entry('a/x', 'file'), entry('b', 'file')], [entry('.wh.a', 'file'), entry('.wh.b', 'file'), entry('.wh.never-existed', 'file')]);
    t.deepEqual(paths(m.root), []);
});
test('a whiteout never hides an entry of its own layer', (t) => {
    const m = layers([entry('a', 'file')], [entry('a', 'file', { size: 5 }), entry('.wh.a', 'file')]);
    t.deepEqual(paths(m.root), ['a']);
});
test('an opaque directory keeps only the children of its own layer', (t) => {
    const m = layers([entry('d', 'dir'), entry('d/old', 'file'), entry('d/sub', 'dir'), entry('d/sub/x', 'file')], [entry('d', 'dir'), entry('d/before', 'file'), entry('d/.wh..wh..opq', 'file'), entry('d/after', 'file')]);
    t.deepEqual(paths(m.root), ['d/', 'd/after', 'd/before']);
});
test('a file replaced by a directory and a directory replaced by a file', (t) => {
    const m = layers([entry('f', 'file'), entry('d', 'dir'), entry('d/inner', 'file')], [entry('f', 'dir'), entry('f/child', 'file'), entry('d', 'file')]);
    t.deepEqual(paths(m.root), ['d', 'f/', 'f/child']);
    t.is(m.lookup('d')?.kind, 'file');
});
test('a directory over a directory takes the upper attributes and keeps lower children', (t) => {
    const m = layers([entry('d', 'dir', { permissions: 0o700, uid: 5 }), entry('d/x', 'file')], [entry('d', 'dir', { permissions: 0o1777, uid: 7 })]);
    const d = m.lookup('d');
    t.is(d.permissions, 0o1777);
    t.is(d.uid, 7);
    t.true(d.entries.has('x'));
});
test('hard links share one node, also across layers', (t) => {
    const m = layers([entry('a', 'file', { size: 3 })], [entry('b', 'hardlink', { linkTarget: 'a' }), entry('c', 'file'), entry('d', 'hardlink', { linkTarget: 'c' })]);
    t.is(m.lookup('a'), m.lookup('b'));
    t.is(m.lookup('c'), m.lookup('d'));
    t.not(m.lookup('a'), m.lookup('c'));
});
test('a hard link to nothing or to a directory is an error', (t) => {
    t.throws(() => layers([entry('b', 'hardlink', { linkTarget: 'missing' })]), { instanceOf: BadTarError });
    t.throws(() => layers([entry('d', 'dir'), entry('b', 'hardlink', { linkTarget: 'd' })]), { instanceOf: BadTarError });
});
test('missing parents are created with fixed defaults; the root takes ./ attributes', (t) => {
    const m = layers([entry('', 'dir', { permissions: 0o711, mtime: 42 }), entry('x/y/z', 'file')]);
    const x = m.lookup('x');
    t.like(x, { permissions: 0o755, uid: 0, gid: 0, mtime: 0 });
    t.is(m.root.permissions, 0o711);
    t.is(m.root.mtime, 42);
});
test('a file below a path whose lower entry is a file replaces it with a directory', (t) => {
    const m = layers([entry('p', 'file')], [entry('p/q', 'file')]);
    t.deepEqual(paths(m.root), ['p/', 'p/q']);
});
//# sourceMappingURL=layer-merge.test.js.map