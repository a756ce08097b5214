import { lowerBound, upperBound } from './sorted-search.js';
export class BlobChunkOrder {
    /** Chunk-table indices of this blob's chunks, by compressed offset. */
    indices;
    #offsets;
    #bootstrap;
    constructor(bootstrap, indices) {
        this.#bootstrap = bootstrap;
        this.indices = indices;
        this.#offsets = Float64Array.from(indices, (i) => bootstrap.chunk(i).compressedOffset);
    }
    /** One order per blob of the image, in blob-table order. */
    static ofImage(bootstrap) {
        const perBlob = bootstrap.blobs.map(() => []);
        for (let i = 0; i < bootstrap.chunkCount; i++)
            perBlob[bootstrap.chunk(i).blobIndex].push(i);
        return perBlob.map((list) => {
            const indices = Uint32Array.from(list);
            indices.sort((a, b) => bootstrap.chunk(a).compressedOffset - bootstrap.chunk(b).compressedOffset);
            return new BlobChunkOrder(bootstrap, indices);
        });
    }
    /** The chunk stored right after `record` in this blob (touching it or not), if any. */
    next(record) {
        const i = this.indices[upperBound(this.#offsets, record.compressedOffset)];
        return i === undefined ? undefined : this.#bootstrap.chunk(i);
    }
    /** The chunk stored right before `record` in this blob, if any. */
    previous(record) {
        const i = this.indices[lowerBound(this.#offsets, record.compressedOffset) - 1];
        return i === undefined ? undefined : this.#bootstrap.chunk(i);
    }
    /** The chunks stored at or after `offset`, in stored order. */
    *from(offset) {
        for (let i = lowerBound(this.#offsets, offset); i < this.indices.length; i++)
            yield this.#bootstrap.chunk(this.indices[i]);
    }
    /** Every chunk of the blob in stored order. */
    *records() {
        for (const i of this.indices)
            yield this.#bootstrap.chunk(i);
    }
}
//# sourceMappingURL=blob-order.js.map