import { formatBytes } from '../format-bytes.js';
/** Rows as left-aligned columns two spaces apart, each line prefixed with `indent`. */
export function table(rows, indent = '') {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    return rows.map((r) => `${indent}${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd());
}
/** `3d 4h`, `2h 5m`, `4m 10s`, `12s`: the two largest units of a duration. */
export function formatDuration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const parts = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']];
    const first = parts.findIndex(([n]) => n > 0);
    if (first === -1)
        return '0s';
    return parts.slice(first, first + 2).filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join(' ');
}
export function formatDaemonReport(r, now) {
    const d = r.daemon;
    const inUse = r.cache.blobs.filter((b) => b.referenced).length;
    const p2p = d.p2p === undefined
        ? 'off'
        : `on: host ${d.p2p.hostId}, serving at ${d.p2p.peerUrl}, scheduler ${d.p2p.scheduler} (${d.p2p.state})`;
    const lines = table([
        ['daemon', `pid ${d.pid}, version ${d.version}, up ${formatDuration(now.getTime() - Date.parse(d.startedAt))}`],
        ['socket', r.socket],
        ['metrics', d.metrics === null ? 'off' : `http://${d.metrics}/metrics`],
        ['cache', `${d.cacheDir}: ${r.cache.blobs.length} blobs (${inUse} in use), ${formatBytes(r.cache.totalBytes)} on disk`],
        ['p2p', p2p],
        ['mounts', String(r.mounts.length)],
    ]);
    if (r.mounts.length > 0) {
        const rows = [['ID', 'MODE', 'REFERENCE', 'MOUNTPOINT']];
        for (const m of r.mounts)
            rows.push([m.id, m.mode ?? 'fuse', m.reference, m.mountpoint]);
        lines.push(...table(rows, '  '));
    }
    return `${lines.join('\n')}\n`;
}
export function formatSchedulerReport(r, now) {
    const s = r.scheduler;
    const states = ['queued', 'succeeded', 'failed'].map((state) => `${r.tasks.filter((t) => taskState(t) === state).length} ${state}`);
    // One table for the three summary lines, so that they line up; the tasks line goes below the peers.
    const [schedulerLine, peersLine, tasksLine] = table([
        ['scheduler', `${r.address}: id ${s.schedulerId}, version ${s.version}, store ${s.store}, up ${formatDuration(Number(s.uptimeMs))}`],
        ['peers', `${s.peers} (${s.seeds} seeds)`],
        ['tasks', `${r.tasks.length} (${states.join(', ')})`],
    ]);
    const lines = [schedulerLine, peersLine];
    if (r.peers.length > 0) {
        const rows = [['HOST ID', 'URL', 'SEED', 'UPLOADS', 'UPLOADED', 'CHUNKS', 'SUCCESS', 'LAST SEEN']];
        for (const p of [...r.peers].sort((a, b) => a.hostId.localeCompare(b.hostId))) {
            rows.push([
                p.hostId,
                p.peerUrl,
                p.isSeed ? 'yes' : 'no',
                `${p.currentUploads}/${p.uploadCapacity}`,
                formatBytes(Number(p.uploadBytes)),
                String(p.chunks),
                p.success.toFixed(2),
                `${formatDuration(now.getTime() - Number(p.lastSeenUnixMs))} ago`,
            ]);
        }
        lines.push(...table(rows, '  '));
    }
    lines.push(tasksLine);
    if (r.tasks.length > 0) {
        const rows = [['TASK ID', 'KIND', 'TARGET', 'STATE', 'HOST', 'STARTED', 'ERROR']];
        for (const t of r.tasks) {
            rows.push([
                t.taskId,
                t.kind,
                t.imageRef,
                taskState(t),
                t.hostId,
                `${formatDuration(now.getTime() - Number(t.createdUnixMs))} ago`,
                t.reason,
            ]);
        }
        lines.push(...table(rows, '  '));
    }
    return `${lines.join('\n')}\n`;
}
/** `queued`, `succeeded`, `failed` (or `unknown`). */
function taskState(t) {
    return t.state.replace(/^TASK_/, '').toLowerCase();
}
//# sourceMappingURL=status-format.js.map