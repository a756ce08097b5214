import { UsageError } from '../src/errors.js';
/**
 * The prefetch list: which regular files the daemon fetches in the background right after
 * mounting, in order. Patterns come one per line from `--prefetch-patterns FILE`, like Nydus's:
 * an absolute path in the image; a directory stands for every regular file below it (depth
 * first, names in byte order). Blank lines and lines starting with `#` are ignored. Patterns
 * that match nothing are reported, not fatal (images change; the list is a hint).
 *
 * An access trace (`--prefetch-trace`, src/format/access-trace.ts) names files in the order a
 * workload first read them; those lead the list, in that order, and the pattern's files follow.
 */
export function parsePrefetchPatterns(text) {
    const patterns = [];
    for (const [i, raw] of text.split('\n').entries()) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            continue;
        if (!line.startsWith('/'))
            throw new UsageError(`prefetch pattern on line ${i + 1} is not an absolute path: ${line}`);
        patterns.push(line);
    }
    return patterns;
}
export function selectPrefetchFiles(root, patterns) {
    const files = [];
    const seen = new Set();
    const unmatched = [];
    const add = (node) => {
        if (node.kind === 'file') {
            if (!seen.has(node) && node.size > 0) {
                seen.add(node);
                files.push(node);
            }
        }
        else if (node.kind === 'dir') {
            for (const name of [...node.entries.keys()].sort(byteOrder))
                add(node.entries.get(name));
        }
    };
    for (const pattern of patterns) {
        const node = lookup(root, pattern);
        if (node === undefined)
            unmatched.push(pattern);
        else
            add(node);
    }
    return { files, unmatched };
}
/** The regular files of the trace, in its order, then those of the patterns not listed yet. */
export function selectPrefetch(root, patterns, trace) {
    const traced = trace === undefined ? { files: [], unmatched: [] } : selectTracedFiles(root, trace);
    const byPattern = selectPrefetchFiles(root, patterns);
    const listed = new Set(traced.files);
    return {
        files: [...traced.files, ...byPattern.files.filter((f) => !listed.has(f))],
        unmatched: [...traced.unmatched, ...byPattern.unmatched],
        traced: traced.files,
    };
}
/** The trace's paths that are non-empty regular files of the image, in trace order, each once. */
export function selectTracedFiles(root, trace) {
    const files = [];
    const seen = new Set();
    const unmatched = [];
    for (const { path } of trace.files) {
        const node = lookup(root, path);
        if (node === undefined || node.kind !== 'file')
            unmatched.push(path);
        else if (node.size > 0 && !seen.has(node)) {
            seen.add(node);
            files.push(node);
        }
    }
    return { files, unmatched };
}
function lookup(root, path) {
    let node = root;
    for (const part of path.split('/')) {
        if (part === '' || part === '.')
            continue;
        if (node.kind !== 'dir')
            return undefined;
        const next = node.entries.get(part);
        if (next === undefined)
            return undefined;
        node = next;
    }
    return node;
}
function byteOrder(a, b) {
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
//# sourceMappingURL=prefetch.js.map