/**
 * The phases of a cold start read from the logs of the processes involved (no I/O here):
 *   - mount: when the snapshotter logged `image mounted` (pino JSON lines, `time` in epoch ms);
 *   - first data request: when the registry received the first GET of one of the given blobs
 *     (docker-registry's `response completed` lines: RFC 3339 time at completion, minus the
 *     response's duration).
 */
/** Epoch ms of the first `image mounted` line of a snapshotter's log at or after `since`, if any. */
export function mountedAt(snapshotterLog, since) {
    for (const line of snapshotterLog.split('\n')) {
        if (!line.includes('"image mounted"'))
            continue;
        let entry;
        try {
            entry = JSON.parse(line);
        }
        catch {
            continue;
        }
        const time = entry.time;
        if (typeof time === 'number' && time >= since)
            return time;
    }
    return undefined;
}
const GO_DURATION_UNITS = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** A Go time.Duration string (`1.5ms`, `2m3.1s`) in ms; NaN when it is not one. */
export function goDurationMs(text) {
    const parts = [...text.matchAll(/([0-9.]+)(ns|us|µs|μs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
        return NaN;
    return parts.reduce((sum, p) => sum + Number(p[1]) * GO_DURATION_UNITS[p[2]], 0);
}
function field(line, name) {
    const m = new RegExp(`(?:^| )${name.replace(/\./g, '\\.')}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line);
    if (m === null)
        return undefined;
    const v = m[1];
    return v.startsWith('"') ? v.slice(1, -1) : v;
}
/** The requests of docker-registry's log (`response completed` lines; others are skipped). */
export function registryRequests(registryLog) {
    const out = [];
    for (const line of registryLog.split('\n')) {
        if (!line.includes('msg="response completed"'))
            continue;
        const time = Date.parse(field(line, 'time') ?? '');
        const duration = goDurationMs(field(line, 'http.response.duration') ?? '');
        const method = field(line, 'http.request.method');
        const uri = field(line, 'http.request.uri');
        if (!Number.isFinite(time) || method === undefined || uri === undefined)
            continue;
        out.push({
            at: time - (Number.isFinite(duration) ? duration : 0),
            done: time,
            method,
            uri,
            status: Number(field(line, 'http.response.status') ?? NaN),
            bytes: Number(field(line, 'http.response.written') ?? NaN),
        });
    }
    return out;
}
/** Epoch ms of the first GET of one of `digests` (blob digests) at or after `since`, if any. */
export function firstBlobGet(requests, digests, since) {
    let first;
    for (const r of requests) {
        if (r.method !== 'GET' || r.at < since)
            continue;
        const m = /\/blobs\/(sha256:[0-9a-f]{64})/.exec(r.uri);
        if (m === null || !digests.has(m[1]))
            continue;
        if (first === undefined || r.at < first)
            first = r.at;
    }
    return first;
}
//# sourceMappingURL=start-phases.js.map