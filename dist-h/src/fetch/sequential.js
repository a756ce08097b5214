/**
 * Sequential read-ahead, pure: whether reads walk a stored range (the image reader feeds it the
 * reads of one large file: image-reader.ts), and which stored range to fetch ahead of them.
 *
 * A reader going through a large file waits for each demand request in turn: one request at a
 * time, a round trip and a server turnaround per MiB, and the link idles between them (measured
 * by `npm run bench:fs`: 7 MB/s of a link that gives 11.7 MB/s to one GET). Like the kernel's
 * readahead, a stream that keeps moving forward gets a window of stored bytes fetched ahead of
 * it, at prefetch priority, which doubles from `startWindow` to `maxWindow` while the stream
 * lasts; a read elsewhere ends the stream.
 *
 * Positions are stored (compressed) offsets in the blob, the order of the blob's chunks.
 */
export function initialSequentialState() {
    return { lastStart: -1, lastEnd: -1, hits: 0, window: 0, aheadEnd: 0, jumps: 0, restAsked: false };
}
/**
 * Records a read of stored bytes [start, end) of the blob and returns the range to fetch ahead,
 * if any. `state` is updated in place.
 *
 * - A read inside the last one's range, or ending inside it and starting at most minWindow
 *   before it, changes nothing (a file read in 128 KiB pieces touches the same chunk several
 *   times, and concurrent requests of one reader arrive a little out of order).
 * - A read that starts near the last one (within minWindow of its range) and ends beyond it
 *   continues the stream: the window grows (startWindow, then doubling up to maxWindow), and once
 *   less than half a window is left ahead of the reader, the next stretch up to a full window
 *   past the read is asked for. Asking in half-window steps keeps the requests large (a small
 *   file per read would otherwise add a few KiB each time).
 * - Any other read ends the stream.
 */
export function observeRead(state, start, end, options) {
    if (options.maxWindow <= 0 || end <= start)
        return undefined;
    const { lastStart, lastEnd } = state;
    // At or a little behind the stream's front: nothing new. Concurrent requests of one reader
    // arrive out of order (the kernel's readahead of a blob device issues several at once).
    if (lastEnd >= 0 && start >= lastStart - options.minWindow && end <= lastEnd)
        return undefined;
    const forward = lastEnd >= 0 && start >= lastStart - options.minWindow && start <= lastEnd + options.minWindow && end > lastEnd;
    state.lastStart = start;
    state.lastEnd = end;
    if (!forward) {
        if (lastEnd >= 0)
            state.jumps += 1;
        state.hits = 0;
        state.window = 0;
        state.aheadEnd = end;
        return undefined;
    }
    state.hits += 1;
    state.window = Math.min(options.maxWindow, state.window === 0 ? (options.startWindow ?? options.minWindow) : state.window * 2);
    if (state.aheadEnd - end >= state.window / 2)
        return undefined;
    const from = Math.max(state.aheadEnd, end);
    const to = end + state.window;
    state.aheadEnd = to;
    return from < to ? { from, to } : undefined;
}
/**
 * Whether to fetch the rest of a file now, once per file (`state` is updated): its reads have
 * jumped (a read landing neither at nor near the one before) and the whole file's stored bytes,
 * `fileBytes`, fit in one window. That is how a program or shared library is read: the loader
 * reads its headers, maps it, and the process faults its pages in at scattered places, nearly
 * all of them at start (a python start touches every chunk of its 6.8 MB binary, in the order
 * 0, 6, 5, 2, 3, 4, 1), which would otherwise cost one round trip per chunk, one after the other.
 * A file read once, or straight through, never asks: sequential read-ahead serves that.
 */
export function wantsRestOfFile(state, fileBytes, options) {
    if (options.maxWindow <= 0 || state.jumps === 0 || state.restAsked || fileBytes > options.maxWindow)
        return false;
    state.restAsked = true;
    return true;
}
//# sourceMappingURL=sequential.js.map