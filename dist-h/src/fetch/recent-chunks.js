/**
 * The decoded bytes of the chunks fetched last, up to a byte budget (least recently used out
 * first). A reader walking a blob asks for each chunk in several pieces (128 KiB FUSE reads)
 * right after it arrived; answering those from memory saves a cache-file read each — a round
 * trip through the thread pool that costs more than the copy (bench:fs, 5,000 small files).
 * Only verified bytes go in; pure, no I/O.
 */
export class RecentChunks {
    #budget;
    /** Insertion order is recency order: a hit moves its entry to the end. */
    #entries = new Map();
    #bytes = 0;
    /** `budgetBytes` 0 keeps nothing. */
    constructor(budgetBytes) {
        this.#budget = budgetBytes;
    }
    get bytes() {
        return this.#bytes;
    }
    get size() {
        return this.#entries.size;
    }
    /** Keeps the verified bytes of chunk `offset` (uncompressed offset) of blob `blobId`. */
    put(blobId, offset, data) {
        if (data.length > this.#budget)
            return;
        const key = `${blobId}:${offset}`;
        this.#drop(key);
        this.#entries.set(key, data);
        this.#bytes += data.length;
        for (const [k] of this.#entries) {
            if (this.#bytes <= this.#budget)
                break;
            this.#drop(k);
        }
    }
    /** The chunk's bytes, if kept (and marks them used). */
    get(blobId, offset) {
        const key = `${blobId}:${offset}`;
        const data = this.#entries.get(key);
        if (data === undefined)
            return undefined;
        this.#entries.delete(key);
        this.#entries.set(key, data);
        return data;
    }
    /** Forgets a chunk (its cache copy was found bad, or the blob is going away). */
    delete(blobId, offset) {
        this.#drop(`${blobId}:${offset}`);
    }
    /** Forgets every chunk of blob `blobId` (it left the cache: gc, eviction, an image removed). */
    deleteBlob(blobId) {
        const prefix = `${blobId}:`;
        for (const key of [...this.#entries.keys()])
            if (key.startsWith(prefix))
                this.#drop(key);
    }
    #drop(key) {
        const old = this.#entries.get(key);
        if (old === undefined)
            return;
        this.#entries.delete(key);
        this.#bytes -= old.length;
    }
}
//# sourceMappingURL=recent-chunks.js.map