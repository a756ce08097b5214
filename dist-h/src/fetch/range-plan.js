/**
 * Range planning, pure: which Range requests fetch a set of absent chunks of one blob.
 *
 * - Chunks are taken in stored order; chunks that touch (one ends where the next starts) go into
 *   one request while it stays within `maxRequestBytes`. A chunk larger than that alone is a
 *   request of its own; chunks with a gap between them (a ready chunk, or one this image does
 *   not know) are never bridged, so no byte is fetched twice or for nothing.
 * - Read-ahead (`next` given): each request is then extended with the chunks that follow it in
 *   the blob — touching it, accepted by `canAdd` (absent, not being fetched, allowed by the fetch
 *   policy), not planned already — while it stays within `maxRequestBytes`. Converters write a
 *   layer's files in tar order, so these are usually the next files of the same directory.
 */
export function planRanges(needed, options) {
    const sorted = [...needed].sort((a, b) => a.compressedOffset - b.compressedOffset);
    const planned = new Set();
    const ranges = [];
    let current;
    for (const c of sorted) {
        if (planned.has(c.compressedOffset))
            continue;
        planned.add(c.compressedOffset);
        if (current !== undefined && current.offset + current.length === c.compressedOffset && current.length + c.compressedSize <= options.maxRequestBytes) {
            current.chunks.push(c);
            current.length += c.compressedSize;
            continue;
        }
        current = { offset: c.compressedOffset, length: c.compressedSize, chunks: [c], readAhead: 0 };
        ranges.push(current);
    }
    if (options.next !== undefined) {
        for (const range of ranges) {
            for (;;) {
                const last = range.chunks[range.chunks.length - 1];
                const n = options.next(last);
                if (n === undefined ||
                    n.compressedOffset !== range.offset + range.length ||
                    planned.has(n.compressedOffset) ||
                    range.length + n.compressedSize > options.maxRequestBytes ||
                    !(options.canAdd?.(n, range) ?? true))
                    break;
                planned.add(n.compressedOffset);
                range.chunks.push(n);
                range.length += n.compressedSize;
                range.readAhead += 1;
            }
        }
    }
    return ranges;
}
/** Splits chunks (in any order) into runs that touch in stored order, without a size limit. */
export function contiguousRuns(chunks) {
    return planRanges(chunks, { maxRequestBytes: Number.MAX_SAFE_INTEGER });
}
//# sourceMappingURL=range-plan.js.map