import test from 'ava';
import { planTakeover } from '../../src/daemon/takeover.js';
const S = '/var/lib/darner/daemon';
const paths = {
    mountDir: `${S}/mnt`,
    deviceRoot: `${S}/devices`,
    bootstrapDir: `${S}/bootstraps`,
    deviceDir: (id) => `${S}/devices/${id}`,
    bootstrapPath: (d) => `${S}/bootstraps/${d}.boot`,
};
const digest = 'a'.repeat(64);
function record(id, mountpoint, mode = 'erofs') {
    return {
        mount: { id, reference: 'r', mountpoint, manifestDigest: 'sha256:x', bootstrapDigest: digest, blobs: [], createdAt: 't', labels: {}, mode },
        ownMountpoint: false,
    };
}
const erofs = (mountPoint) => ({ mountPoint, fsType: 'erofs', source: paths.bootstrapPath(digest) });
const devices = (id) => ({ mountPoint: paths.deviceDir(id), fsType: 'fuse.darner', source: 'darner-blobs' });
test('a mount whose EROFS mount, blob devices and kept connection are all there is taken over and nothing of it detached', (t) => {
    const plan = planTakeover([record('m-1', '/run/c/1')], [erofs('/run/c/1'), devices('m-1')], paths, new Set(['m-1']));
    t.deepEqual([...plan.adopt], ['m-1']);
    t.deepEqual(plan.lost, []);
    t.deepEqual(plan.detach, []);
});
test('without its kept connection the mount is lost, and its EROFS mount is detached before its blob devices', (t) => {
    const plan = planTakeover([record('m-1', '/run/c/1')], [devices('m-1'), erofs('/run/c/1')], paths, new Set());
    t.deepEqual([...plan.adopt], []);
    t.deepEqual(plan.lost.map((r) => r.mount.id), ['m-1']);
    t.deepEqual(plan.detach.map((d) => [d.kind, d.mountPoint, d.remove]), [['erofs', '/run/c/1', false], ['fuse', paths.deviceDir('m-1'), true]]);
});
test('a fuse-mode mount, or one whose blob devices are gone, is never taken over', (t) => {
    const fuse = planTakeover([record('m-1', '/run/c/1', 'fuse')], [erofs('/run/c/1'), devices('m-1')], paths, new Set(['m-1']));
    t.deepEqual([...fuse.adopt], []);
    const noDevices = planTakeover([record('m-2', '/run/c/2')], [erofs('/run/c/2')], paths, new Set(['m-2']));
    t.deepEqual([...noDevices.adopt], []);
    t.deepEqual(noDevices.lost.map((r) => r.mount.id), ['m-2']);
});
test('a mount not in the kernel any more is neither taken over nor lost (it is mounted again)', (t) => {
    const plan = planTakeover([record('m-1', '/run/c/1')], [], paths, new Set(['m-1']));
    t.deepEqual([...plan.adopt], []);
    t.deepEqual(plan.lost, []);
    t.deepEqual(plan.detach, []);
});
//# sourceMappingURL=takeover.test.js.map