const EMPTY = Buffer.alloc(0);
export class PendingChunks {
    maxBytes;
    ttlMs;
    /** blob id → compressed offset → entry. */
    #byBlob = new Map();
    /** Insertion order, for the size bound (entries already gone are skipped). */
    #order = [];
    #bytes = 0;
    constructor(maxBytes = 256 << 20, ttlMs = 30_000) {
        this.maxBytes = maxBytes;
        this.ttlMs = ttlMs;
    }
    /** Drops chunks as the cache reports them ready, invalidated or removed. */
    attach(cache) {
        return cache.onChange((event) => {
            if (event.type === 'removed')
                this.#dropBlob(event.blobId);
            else
                this.drop(event.blobId, event.offsets);
        });
    }
    get bytes() {
        return this.#bytes;
    }
    add(blobId, chunks) {
        const now = Date.now();
        let map = this.#byBlob.get(blobId);
        if (map === undefined)
            this.#byBlob.set(blobId, (map = new Map()));
        for (const c of chunks) {
            if (map.has(c.compressedOffset))
                continue;
            const entry = { blobId, uncompressedOffset: c.uncompressedOffset, compressedOffset: c.compressedOffset, stored: c.stored, at: now };
            map.set(c.compressedOffset, entry);
            this.#order.push(entry);
            this.#bytes += c.stored.length;
        }
        this.#trim(now);
    }
    /** Forgets chunks of `blobId` by uncompressed offset. */
    drop(blobId, uncompressedOffsets) {
        const map = this.#byBlob.get(blobId);
        if (map === undefined)
            return;
        const gone = new Set(uncompressedOffsets);
        for (const [key, e] of map) {
            if (!gone.has(e.uncompressedOffset))
                continue;
            map.delete(key);
            this.#bytes -= e.stored.length;
            e.stored = EMPTY;
        }
        if (map.size === 0)
            this.#byBlob.delete(blobId);
    }
    /** Stored bytes of the pending chunk that starts at compressed `offset`, if there is one. */
    chunkAt(blobId, offset) {
        this.#trim(Date.now());
        return this.#byBlob.get(blobId)?.get(offset)?.stored;
    }
    #dropBlob(blobId) {
        const map = this.#byBlob.get(blobId);
        if (map === undefined)
            return;
        for (const e of map.values()) {
            this.#bytes -= e.stored.length;
            e.stored = EMPTY;
        }
        this.#byBlob.delete(blobId);
    }
    #trim(now) {
        while (this.#order.length > 0) {
            const e = this.#order[0];
            const live = this.#byBlob.get(e.blobId)?.get(e.compressedOffset) === e;
            if (live && this.#bytes <= this.maxBytes && now - e.at < this.ttlMs)
                break;
            this.#order.shift();
            if (live) {
                this.#byBlob.get(e.blobId).delete(e.compressedOffset);
                if (this.#byBlob.get(e.blobId).size === 0)
                    this.#byBlob.delete(e.blobId);
                this.#bytes -= e.stored.length;
                e.stored = EMPTY;
            }
        }
    }
}
//# sourceMappingURL=pending-chunks.js.map