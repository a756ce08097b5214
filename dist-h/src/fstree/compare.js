export function compareTrees(expected, actual, options = {}) {
    const differences = [];
    const expectedGroups = hardlinkGroups(expected);
    const actualGroups = hardlinkGroups(actual);
    for (const [path, want] of expected) {
        const got = actual.get(path);
        if (!got) {
            differences.push({ path, field: 'missing', expected: describe(want), actual: '(absent)' });
            continue;
        }
        compareEntry(want, got, options, differences);
        if (want.kind !== 'dir' && want.kind === got.kind) {
            const a = expectedGroups.get(want.inode) ?? [];
            const b = actualGroups.get(got.inode) ?? [];
            if (a.join('\0') !== b.join('\0')) {
                differences.push({ path, field: 'hardlinks', expected: a.join(', '), actual: b.join(', ') });
            }
        }
    }
    for (const [path, got] of actual) {
        if (!expected.has(path))
            differences.push({ path, field: 'extra', expected: '(absent)', actual: describe(got) });
    }
    return differences.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
function compareEntry(want, got, options, out) {
    const path = want.path;
    const push = (field, e, a) => {
        out.push({ path, field, expected: String(e), actual: String(a) });
    };
    if (want.kind !== got.kind) {
        push('kind', want.kind, got.kind);
        return;
    }
    if (want.permissions !== got.permissions)
        push('permissions', octal(want.permissions), octal(got.permissions));
    if (want.uid !== got.uid)
        push('uid', want.uid, got.uid);
    if (want.gid !== got.gid)
        push('gid', want.gid, got.gid);
    if ((want.kind === 'file' || want.kind === 'symlink') && want.size !== got.size)
        push('size', want.size, got.size);
    if (!options.ignoreMtime) {
        const nsec = !options.ignoreMtimeNsec;
        if (want.mtime !== got.mtime || (nsec && want.mtimeNsec !== got.mtimeNsec)) {
            push('mtime', time(want, nsec), time(got, nsec));
        }
    }
    if (want.kind === 'symlink' && want.target !== got.target)
        push('target', want.target, got.target);
    if ((want.kind === 'chardev' || want.kind === 'blockdev') && rdev(want) !== rdev(got))
        push('rdev', rdev(want), rdev(got));
    const wantX = xattrText(want, options.ignoreXattrs);
    const gotX = xattrText(got, options.ignoreXattrs);
    if (wantX !== gotX)
        push('xattrs', wantX || '(none)', gotX || '(none)');
    if (want.kind === 'file' && want.content !== got.content)
        push('content', want.content ?? '?', got.content ?? '?');
}
/** inode → sorted paths sharing it (only inodes with two or more names matter, but all are kept). */
function hardlinkGroups(tree) {
    const groups = new Map();
    for (const entry of tree.values()) {
        if (entry.kind === 'dir')
            continue;
        const list = groups.get(entry.inode);
        if (list)
            list.push(entry.path);
        else
            groups.set(entry.inode, [entry.path]);
    }
    for (const list of groups.values())
        list.sort();
    return groups;
}
function describe(entry) {
    return `${entry.kind} ${octal(entry.permissions)} ${entry.uid}:${entry.gid}`;
}
function octal(n) {
    return `0${n.toString(8).padStart(4, '0')}`;
}
function time(entry, nsec) {
    return nsec ? `${entry.mtime}.${String(entry.mtimeNsec).padStart(9, '0')}` : String(entry.mtime);
}
function rdev(entry) {
    return entry.rdev ? `${entry.rdev.major}:${entry.rdev.minor}` : '-';
}
function xattrText(entry, ignore) {
    return [...entry.xattrs]
        .filter(([name]) => !ignore?.has(name))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => `${name}=${value}`)
        .join(' ');
}
/** One line per difference, for CLI output and test messages. */
export function formatDifference(d) {
    const path = d.path === '' ? '/' : `/${d.path}`;
    switch (d.field) {
        case 'missing':
            return `${path}: missing (expected ${d.expected})`;
        case 'extra':
            return `${path}: unexpected ${d.actual}`;
        default:
            return `${path}: ${d.field} differs: expected ${d.expected}, got ${d.actual}`;
    }
}
//# sourceMappingURL=compare.js.map