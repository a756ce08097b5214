/**
 * A blob's uncompressed address space, as the kernel's EROFS sees it through a blob device
 * file: each chunk occupies [uncompressedOffset, uncompressedOffset + uncompressedSize), the
 * bytes between chunks (block alignment) read as zeros. Maps a byte range of that space to the
 * chunk pieces that hold it. Pure: built once per blob from the bootstrap's chunk table.
 */
import { BLOCK_SIZE } from '../format/model.js';
import { lowerBound, upperBound } from './sorted-search.js';
export class BlobAddressSpace {
    /** Size of the space: reads past it read nothing. */
    size;
    #records;
    /** Chunk starts, ascending, for the binary search. */
    #starts;
    /** Per position, the largest chunk end at or before it: where a search must start looking back. */
    #maxEnds;
    /**
     * True when every chunk starts on a block (4 KiB) boundary and none overlaps another, as the
     * converter writes them: then each block of the space holds bytes of at most one chunk, and the
     * rest of it is zeros. Only then may a whole block be served from the cache file once its
     * chunk is verified (the blob devices' server).
     */
    blockAligned;
    constructor(records, size) {
        this.size = size;
        this.#records = [...records].sort((a, b) => a.uncompressedOffset - b.uncompressedOffset || a.uncompressedSize - b.uncompressedSize);
        this.#starts = Float64Array.from(this.#records, (r) => r.uncompressedOffset);
        this.#maxEnds = new Float64Array(this.#records.length);
        let maxEnd = 0;
        let aligned = true;
        this.#records.forEach((r, i) => {
            if (r.uncompressedOffset % BLOCK_SIZE !== 0 || r.uncompressedOffset < maxEnd)
                aligned = false;
            maxEnd = Math.max(maxEnd, r.uncompressedOffset + r.uncompressedSize);
            this.#maxEnds[i] = maxEnd;
        });
        this.blockAligned = aligned && maxEnd <= size;
    }
    /** The chunks, by offset. */
    get records() {
        return this.#records;
    }
    /** The chunk starting at `offset`, if any. */
    chunkAt(offset) {
        const record = this.#records[lowerBound(this.#starts, offset)];
        return record?.uncompressedOffset === offset ? record : undefined;
    }
    /** One space per blob of the image, in blob-table order (one pass over the chunk table). */
    static ofImage(bootstrap) {
        const perBlob = bootstrap.blobs.map(() => []);
        for (let i = 0; i < bootstrap.chunkCount; i++) {
            const record = bootstrap.chunk(i);
            perBlob[record.blobIndex]?.push(record);
        }
        return perBlob.map((records, i) => new BlobAddressSpace(records, bootstrap.blobs[i].uncompressedSize));
    }
    /**
     * The pieces of chunks holding bytes [offset, end) of the space (end clipped to its size), in
     * address order. Gaps are left out (they read as zeros). Where a malformed bootstrap lets
     * chunks overlap, each byte comes from the first chunk covering it, so pieces never overlap.
     */
    pieces(offset, end) {
        end = Math.min(end, this.size);
        const out = [];
        if (end <= offset)
            return out;
        // First chunk whose end may pass `offset`: after the last one whose running max end is <= offset.
        let i = upperBound(this.#maxEnds, offset);
        let position = offset;
        for (; i < this.#records.length && this.#starts[i] < end; i++) {
            const record = this.#records[i];
            const start = Math.max(position, record.uncompressedOffset);
            const stop = Math.min(end, record.uncompressedOffset + record.uncompressedSize);
            if (stop <= start)
                continue;
            out.push({ record, from: start - record.uncompressedOffset, length: stop - start, at: start - offset });
            position = stop;
        }
        return out;
    }
}
//# sourceMappingURL=blob-space.js.map