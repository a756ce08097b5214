import { DARNER_FUSE_TYPE } from '../fs/fuse-mount.js';
function under(dir, path) {
    return path.startsWith(`${dir}/`);
}
export function planTakeover(records, mounts, paths, kept) {
    const has = (mountPoint, pred) => mounts.some((m) => m.mountPoint === mountPoint && pred(m));
    const adopt = new Set();
    const lost = [];
    const keepMounted = new Set();
    for (const r of records) {
        const { id, mountpoint, bootstrapDigest, mode } = r.mount;
        const erofsThere = has(mountpoint, (m) => m.fsType === 'erofs' && m.source === paths.bootstrapPath(bootstrapDigest));
        if (!erofsThere)
            continue;
        const devicesThere = has(paths.deviceDir(id), (m) => m.fsType === DARNER_FUSE_TYPE);
        if (mode === 'erofs' && devicesThere && kept.has(id)) {
            adopt.add(id);
            keepMounted.add(mountpoint);
            keepMounted.add(paths.deviceDir(id));
        }
        else {
            lost.push(r);
        }
    }
    const wanted = new Set(records.map((r) => r.mount.mountpoint));
    const detach = [];
    // Kernel EROFS mounts of saved bootstraps first: they hold their blob devices open.
    for (const m of mounts) {
        if (m.fsType !== 'erofs' || !under(paths.bootstrapDir, m.source) || keepMounted.has(m.mountPoint))
            continue;
        if (!wanted.has(m.mountPoint) && !under(paths.mountDir, m.mountPoint))
            continue;
        detach.push({ mountPoint: m.mountPoint, kind: 'erofs', remove: !wanted.has(m.mountPoint) });
    }
    for (const m of mounts) {
        if (m.fsType !== DARNER_FUSE_TYPE || keepMounted.has(m.mountPoint))
            continue;
        if (!wanted.has(m.mountPoint) && !under(paths.mountDir, m.mountPoint) && !under(paths.deviceRoot, m.mountPoint))
            continue;
        detach.push({ mountPoint: m.mountPoint, kind: 'fuse', remove: !wanted.has(m.mountPoint) });
    }
    return { adopt, lost, detach };
}
//# sourceMappingURL=takeover.js.map