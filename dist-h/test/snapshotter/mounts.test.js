import test from 'ava';
import { mountsFitPage, overlayOptionDataLength, snapshotMounts } from '../../snapshotter/mounts.js';
const ROOT = '/var/lib/darner/snapshotter/snapshots';
const dir = (id) => `${ROOT}/${id}/fs`;
const plain = { indexOff: false, userxattr: false };
test('active without parents is a read-write bind of its own layer', (t) => {
    t.deepEqual(snapshotMounts({ kind: 'active', upperDir: dir(1), workDir: `${ROOT}/1/work`, lowerDirs: [] }, plain), [
        { type: 'bind', source: dir(1), options: ['rw', 'rbind'] },
    ]);
});
test('view without parents is a read-only bind of its own layer', (t) => {
    t.deepEqual(snapshotMounts({ kind: 'view', upperDir: dir(1), workDir: `${ROOT}/1/work`, lowerDirs: [] }, plain), [
        { type: 'bind', source: dir(1), options: ['ro', 'rbind'] },
    ]);
});
test('active with parents is an overlay, nearest parent first', (t) => {
    const mounts = snapshotMounts({ kind: 'active', upperDir: dir(9), workDir: `${ROOT}/9/work`, lowerDirs: [dir(8), dir(3), dir(1)] }, plain);
    t.deepEqual(mounts, [
        {
            type: 'overlay',
            source: 'overlay',
            options: [`workdir=${ROOT}/9/work`, `upperdir=${dir(9)}`, `lowerdir=${dir(8)}:${dir(3)}:${dir(1)}`],
        },
    ]);
});
test('index=off and userxattr come first when enabled', (t) => {
    const [m] = snapshotMounts({ kind: 'active', upperDir: dir(2), workDir: `${ROOT}/2/work`, lowerDirs: [dir(1)] }, { indexOff: true, userxattr: true });
    t.deepEqual(m?.options.slice(0, 2), ['index=off', 'userxattr']);
});
test('view with one parent is a read-only bind of the parent', (t) => {
    t.deepEqual(snapshotMounts({ kind: 'view', upperDir: dir(5), workDir: `${ROOT}/5/work`, lowerDirs: [dir(4)] }, { indexOff: true, userxattr: false }), [
        { type: 'bind', source: dir(4), options: ['ro', 'rbind'] },
    ]);
});
test('view with two parents is an overlay with lowerdir only', (t) => {
    t.deepEqual(snapshotMounts({ kind: 'view', upperDir: dir(5), workDir: `${ROOT}/5/work`, lowerDirs: [dir(4), dir(2)] }, { indexOff: true, userxattr: false }), [
        { type: 'overlay', source: 'overlay', options: ['index=off', `lowerdir=${dir(4)}:${dir(2)}`] },
    ]);
});
test('short overlay options are passed as they are', (t) => {
    const options = ['index=off', `lowerdir=${dir(2)}:${dir(1)}`];
    t.is(overlayOptionDataLength(options, 4096), options.join(',').length);
});
test('long lowerdir lists are measured after containerd compacts them to relative paths', (t) => {
    const lowers = Array.from({ length: 200 }, (_, i) => dir(1000 - i));
    const options = [`workdir=${ROOT}/1001/work`, `upperdir=${dir(1001)}`, `lowerdir=${lowers.join(':')}`];
    const absolute = options.join(',').length;
    t.true(absolute > 4096);
    const compacted = overlayOptionDataLength(options, 4096);
    // "lowerdir=" + 200 × "NNN/fs" joined by ":" stays relative to ".../snapshots/".
    const expected = `workdir=${ROOT}/1001/work,upperdir=${dir(1001)},lowerdir=${lowers.map((l) => l.slice(ROOT.length + 1)).join(':')}`.length;
    t.is(compacted, expected);
    t.true(mountsFitPage([{ type: 'overlay', source: 'overlay', options }], 4096));
});
test('more layers than fit one page even compacted are reported', (t) => {
    const lowers = Array.from({ length: 700 }, (_, i) => dir(100000 + i));
    const options = [`lowerdir=${lowers.join(':')}`];
    t.false(mountsFitPage([{ type: 'overlay', source: 'overlay', options }], 4096));
    t.true(mountsFitPage([{ type: 'bind', source: dir(1), options: ['ro', 'rbind'] }], 4096));
});
test('flag options such as ro are not counted as mount data', (t) => {
    t.is(overlayOptionDataLength(['ro', 'lowerdir=/a:/b'], 4096), 'lowerdir=/a:/b'.length);
});
//# sourceMappingURL=mounts.test.js.map