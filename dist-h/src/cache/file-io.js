import { BLOCK_SIZE } from '../format/model.js';
export async function writeFully(handle, data, position) {
    let done = 0;
    while (done < data.byteLength) {
        const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
        done += bytesWritten;
    }
}
/** Writes `buffers` back to back from `position` (one writev, finished piecewise if it falls short). */
export async function writevFully(handle, buffers, position) {
    const total = buffers.reduce((n, b) => n + b.byteLength, 0);
    const { bytesWritten } = await handle.writev(buffers, position);
    if (bytesWritten === total)
        return;
    let skip = bytesWritten;
    let at = position;
    for (const b of buffers) {
        if (skip >= b.byteLength) {
            skip -= b.byteLength;
            at += b.byteLength;
            continue;
        }
        await writeFully(handle, b.subarray(skip), at + skip);
        at += b.byteLength;
        skip = 0;
    }
}
/** Zeros for the alignment gaps between chunks written in one run (at most a block less one). */
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
/** At most this many buffers per writev (IOV_MAX is 1024). */
const MAX_IOVECS = 1024;
/**
 * Groups `items` (sorted by start) into runs of back-to-back extents: each run is its buffers,
 * with zeros filling gaps of at most `maxGap` bytes, and where it starts. In the uncompressed
 * space a gap under a block is the alignment after a chunk (no chunk can start inside it, as
 * chunks start on block boundaries); in the stored space chunks of a run touch, and any gap
 * may hold another chunk's bytes, so there maxGap is 0.
 */
export function contiguousWrites(items, maxGap) {
    const runs = [];
    for (const { start, bytes } of items) {
        const last = runs[runs.length - 1];
        const gap = last === undefined ? -1 : start - last.end;
        if (last !== undefined && gap >= 0 && gap <= maxGap && last.buffers.length + 2 <= MAX_IOVECS) {
            if (gap > 0)
                last.buffers.push(ZERO_BLOCK.subarray(0, gap));
            last.buffers.push(bytes);
            last.end = start + bytes.byteLength;
        }
        else {
            runs.push({ position: start, buffers: [bytes], end: start + bytes.byteLength });
        }
    }
    return runs;
}
//# sourceMappingURL=file-io.js.map