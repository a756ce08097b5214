/** Ranges gathered per file before they are merged (keeps memory bounded on long runs). */
const MERGE_EVERY = 1024;
export class TraceRecorder {
    #files = new Map();
    #stopped = false;
    /** A read of `length` bytes at `offset` of the file at `path` (absolute, in the image). */
    read(path, offset, length) {
        if (this.#stopped || length <= 0)
            return;
        let ranges = this.#files.get(path);
        if (ranges === undefined)
            this.#files.set(path, (ranges = []));
        ranges.push([offset, offset + length]);
        if (ranges.length >= MERGE_EVERY)
            this.#files.set(path, mergeRanges(ranges));
    }
    /** Reads after this are not recorded. */
    stop() {
        this.#stopped = true;
    }
    get stopped() {
        return this.#stopped;
    }
    trace(header = {}) {
        const files = [...this.#files].map(([path, ranges]) => ({ path, ranges: mergeRanges(ranges) }));
        return { ...header, files };
    }
}
/** Sorted, with touching or overlapping ranges joined. */
export function mergeRanges(ranges) {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const out = [];
    for (const [start, end] of sorted) {
        const last = out[out.length - 1];
        if (last !== undefined && start <= last[1])
            last[1] = Math.max(last[1], end);
        else
            out.push([start, end]);
    }
    return out;
}
//# sourceMappingURL=trace-recorder.js.map