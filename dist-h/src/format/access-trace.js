/**
 * The access trace: which regular files of an image a workload read, in the order of their first
 * read, with the byte ranges read. `darner mount --record` writes it, `darner convert
 * --prefetch-trace` reads it (docs/optimize.md). Pure: text in, text out.
 *
 * Text form, JSON Lines (one JSON object per line, so that a trace can be edited, cut and
 * reordered with a text editor or `head`):
 *   {"darnerTrace":1,"reference":"...","bootstrapDigest":"...","files":N}
 *   {"path":"/usr/bin/python3","ranges":[[0,131072],[262144,270336]]}
 *   ...
 * The first line is the header: `darnerTrace` is the format version (1); the other fields are
 * informational. Each following line is a file, in first-read order: an absolute path in the
 * image, and the [start, end) byte ranges read (sorted, merged; may be empty or omitted). Blank
 * lines are ignored. Unknown fields are ignored (a later version may add some).
 */
import { MalformedTraceError } from '../errors.js';
export const ACCESS_TRACE_VERSION = 1;
/** A trace larger than this is refused before it is parsed. */
export const MAX_TRACE_BYTES = 64 << 20;
/** Files one trace may name. */
export const MAX_TRACE_FILES = 1_000_000;
/** Ranges one file of a trace may list. */
export const MAX_TRACE_RANGES = 65_536;
/** Bytes of one path (PATH_MAX). */
const MAX_PATH_BYTES = 4096;
export function formatAccessTrace(trace) {
    const header = { darnerTrace: ACCESS_TRACE_VERSION };
    if (trace.reference !== undefined)
        header.reference = trace.reference;
    if (trace.bootstrapDigest !== undefined)
        header.bootstrapDigest = trace.bootstrapDigest;
    header.files = trace.files.length;
    const lines = [JSON.stringify(header)];
    for (const f of trace.files)
        lines.push(JSON.stringify({ path: f.path, ranges: f.ranges }));
    return `${lines.join('\n')}\n`;
}
/** Parses a trace; every field is checked, and a path listed twice keeps its first place. */
export function parseAccessTrace(text) {
    if (Buffer.byteLength(text) > MAX_TRACE_BYTES)
        throw new MalformedTraceError(`the trace is larger than ${MAX_TRACE_BYTES} bytes`);
    const lines = text.split('\n');
    let header;
    const files = [];
    const seen = new Set();
    for (const [i, raw] of lines.entries()) {
        if (raw.trim() === '')
            continue;
        const where = `line ${i + 1}`;
        const value = parseLine(raw, where);
        if (header === undefined) {
            header = value;
            if (value.darnerTrace !== ACCESS_TRACE_VERSION) {
                throw new MalformedTraceError(`${where}: not a darner access trace of version ${ACCESS_TRACE_VERSION} (the first line must be {"darnerTrace":${ACCESS_TRACE_VERSION},...})`);
            }
            continue;
        }
        const file = parseFile(value, where);
        if (seen.has(file.path))
            continue;
        if (files.length >= MAX_TRACE_FILES)
            throw new MalformedTraceError(`${where}: more than ${MAX_TRACE_FILES} files`);
        seen.add(file.path);
        files.push(file);
    }
    if (header === undefined)
        throw new MalformedTraceError('the trace is empty (no header line)');
    const trace = { files };
    if (typeof header.reference === 'string')
        trace.reference = header.reference;
    if (typeof header.bootstrapDigest === 'string')
        trace.bootstrapDigest = header.bootstrapDigest;
    return trace;
}
function parseLine(raw, where) {
    let value;
    try {
        value = JSON.parse(raw);
    }
    catch {
        throw new MalformedTraceError(`${where}: not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new MalformedTraceError(`${where}: not a JSON object`);
    return value;
}
function parseFile(value, where) {
    const path = value.path;
    if (typeof path !== 'string' || !path.startsWith('/'))
        throw new MalformedTraceError(`${where}: path must be an absolute path`);
    if (path.includes('\0') || Buffer.byteLength(path) > MAX_PATH_BYTES)
        throw new MalformedTraceError(`${where}: path has a NUL or is longer than ${MAX_PATH_BYTES} bytes`);
    const ranges = [];
    if (value.ranges !== undefined) {
        if (!Array.isArray(value.ranges))
            throw new MalformedTraceError(`${where}: ranges must be an array of [start, end] pairs`);
        if (value.ranges.length > MAX_TRACE_RANGES)
            throw new MalformedTraceError(`${where}: more than ${MAX_TRACE_RANGES} ranges`);
        for (const r of value.ranges) {
            if (!Array.isArray(r) || r.length !== 2 || !r.every((n) => Number.isSafeInteger(n) && n >= 0) || r[0] >= r[1]) {
                throw new MalformedTraceError(`${where}: a range must be [start, end] with 0 <= start < end`);
            }
            ranges.push([r[0], r[1]]);
        }
    }
    return { path, ranges };
}
//# sourceMappingURL=access-trace.js.map