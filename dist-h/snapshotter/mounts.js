import path from 'node:path';
export function snapshotMounts(plan, features) {
    const { kind, upperDir, workDir, lowerDirs } = plan;
    if (lowerDirs.length === 0) {
        // overlayfs needs at least one lower layer, so a base layer is a plain bind mount.
        return [{ type: 'bind', source: upperDir, options: [kind === 'view' ? 'ro' : 'rw', 'rbind'] }];
    }
    if (kind === 'view' && lowerDirs.length === 1) {
        return [{ type: 'bind', source: lowerDirs[0], options: ['ro', 'rbind'] }];
    }
    const options = [];
    if (features.indexOff)
        options.push('index=off');
    if (features.userxattr)
        options.push('userxattr');
    if (kind === 'active')
        options.push(`workdir=${workDir}`, `upperdir=${upperDir}`);
    options.push(`lowerdir=${lowerDirs.join(':')}`);
    return [{ type: 'overlay', source: 'overlay', options }];
}
/** mount(2) options that are flags, not data (containerd's parseMountOptions table). */
const FLAG_OPTIONS = new Set([
    'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'mand', 'noatime',
    'nodev', 'nodiratime', 'noexec', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'rbind',
    'relatime', 'remount', 'ro', 'rw', 'strictatime', 'suid', 'sync',
]);
/**
 * Length of the data string containerd will pass to mount(2) for these overlay options,
 * after its lowerdir compaction (applied when the options reach pagesize − 512 bytes).
 */
export function overlayOptionDataLength(options, pageSize) {
    let effective = [...options];
    const total = options.reduce((n, o) => n + Buffer.byteLength(o), 0);
    if (total >= pageSize - 512)
        effective = compactLowerdir(effective);
    const data = effective.filter((o) => !FLAG_OPTIONS.has(o) || o === 'defaults');
    // 'defaults' has no flag value in containerd's table, so it falls through to data too.
    return Buffer.byteLength(data.join(','));
}
/** Whether a snapshot's mounts can be mounted by containerd (option data within one page). */
export function mountsFitPage(mounts, pageSize) {
    return mounts.every((m) => m.type !== 'overlay' || overlayOptionDataLength(m.options, pageSize) <= pageSize);
}
function compactLowerdir(options) {
    const idx = options.findIndex((o) => o.startsWith('lowerdir='));
    if (idx === -1)
        return options;
    const dirs = options[idx].slice('lowerdir='.length).split(':');
    if (dirs.length === 1)
        return options;
    const prefix = longestCommonPrefix(dirs);
    if (prefix === '')
        return options;
    // Snapshot ids are digits: step back to the parent directory so `snapshots/1` is not a prefix.
    let common = goPathDir(prefix);
    if (common === '/')
        return options;
    common += '/';
    const rest = options.filter((_, i) => i !== idx);
    return [...rest, `lowerdir=${dirs.map((d) => d.slice(common.length)).join(':')}`];
}
/** Go's path.Dir: everything before the last slash ('/a/b/' gives '/a/b', unlike Node's dirname). */
function goPathDir(p) {
    const i = p.lastIndexOf('/');
    if (i < 0)
        return '.';
    if (i === 0)
        return '/';
    return path.posix.normalize(p.slice(0, i));
}
function longestCommonPrefix(strings) {
    let min = strings[0] ?? '';
    let max = min;
    for (const s of strings) {
        if (s < min)
            min = s;
        if (s > max)
            max = s;
    }
    let i = 0;
    while (i < min.length && min[i] === max[i])
        i++;
    return min.slice(0, i);
}
//# sourceMappingURL=mounts.js.map