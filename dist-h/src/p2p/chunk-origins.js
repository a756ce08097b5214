export class ChunkOrigins {
    maxChunks;
    /** blob id → compressed offset → record; Map order is insertion order (oldest blob first). */
    #byBlob = new Map();
    #count = 0;
    constructor(maxChunks = 1 << 18) {
        this.maxChunks = maxChunks;
    }
    /** Forgets chunks the cache invalidated and blobs it removed. */
    attach(cache) {
        return cache.onChange((event) => {
            if (event.type === 'removed')
                this.#dropBlob(event.blobId);
            else if (event.type === 'invalidated')
                this.#drop(event.blobId, event.offsets);
        });
    }
    get size() {
        return this.#count;
    }
    record(blobId, from, chunks) {
        let map = this.#byBlob.get(blobId);
        if (map === undefined)
            this.#byBlob.set(blobId, (map = new Map()));
        for (const c of chunks) {
            if (!map.has(c.compressedOffset))
                this.#count += 1;
            map.set(c.compressedOffset, { uncompressedOffset: c.uncompressedOffset, end: c.compressedOffset + c.stored.length, from });
        }
        while (this.#count > this.maxChunks && this.#byBlob.size > 1) {
            const oldest = this.#byBlob.keys().next().value;
            if (oldest === blobId) {
                // Keep the blob being recorded: move it to the young end and drop the next oldest.
                this.#byBlob.delete(blobId);
                this.#byBlob.set(blobId, map);
                continue;
            }
            this.#dropBlob(oldest);
        }
    }
    /**
     * The chunks of stored range [offset, end) by where they came from: walks the range chunk by
     * chunk from its start and stops at the first chunk it does not know.
     */
    countIn(blobId, offset, end) {
        const out = { origin: 0, peer: 0 };
        const map = this.#byBlob.get(blobId);
        if (map === undefined)
            return out;
        for (let at = offset; at < end;) {
            const r = map.get(at);
            if (r === undefined || r.end > end || r.end <= at)
                break;
            out[r.from] += 1;
            at = r.end;
        }
        return out;
    }
    #drop(blobId, uncompressedOffsets) {
        const map = this.#byBlob.get(blobId);
        if (map === undefined)
            return;
        const gone = new Set(uncompressedOffsets);
        for (const [key, r] of map) {
            if (!gone.has(r.uncompressedOffset))
                continue;
            map.delete(key);
            this.#count -= 1;
        }
        if (map.size === 0)
            this.#byBlob.delete(blobId);
    }
    #dropBlob(blobId) {
        const map = this.#byBlob.get(blobId);
        if (map === undefined)
            return;
        this.#count -= map.size;
        this.#byBlob.delete(blobId);
    }
}
//# sourceMappingURL=chunk-origins.js.map