import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { encodeBlobMeta } from '../src/format/blob-meta.js';
import { BLOCK_SIZE } from '../src/format/model.js';
/**
 * Writes one data blob: stored chunks appended in order to a file, then the blob's chunk-info
 * array and header (blob-meta.ts), with the blob's sha256 computed on the way. It also hands out
 * positions in the blob's uncompressed address space, where every chunk starts on a BLOCK_SIZE
 * boundary.
 */
/** Small appends are gathered into writes of this size. */
const WRITE_BUFFER_BYTES = 1 << 20;
export class BlobWriter {
    path;
    file;
    hash = createHash('sha256');
    compressedSize = 0;
    uncompressedSize = 0;
    pending = [];
    pendingDone = [];
    pendingBytes = 0;
    written = Promise.resolve();
    constructor(path, file) {
        this.path = path;
        this.file = file;
    }
    static async create(path) {
        return new BlobWriter(path, await open(path, 'w', 0o644));
    }
    /** Reserves `size` bytes of uncompressed space and returns their (block-aligned) offset. */
    reserveUncompressed(size) {
        const offset = this.uncompressedSize;
        this.uncompressedSize += Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
        return offset;
    }
    /**
     * Appends stored bytes; returns their offset in the blob. Calls must come in blob order.
     * `written` runs once the bytes are on their way to disk (after which `data` may be reused).
     */
    append(data, written) {
        const offset = this.compressedSize;
        this.compressedSize += data.byteLength;
        this.hash.update(data);
        this.pending.push(data);
        if (written)
            this.pendingDone.push(written);
        this.pendingBytes += data.byteLength;
        if (this.pendingBytes >= WRITE_BUFFER_BYTES)
            this.flushPending();
        return offset;
    }
    /** Resolves once everything appended so far is written; rejects on a write error. */
    async drain() {
        this.flushPending();
        await this.written;
    }
    /** Appends the chunk-info array of `chunks` (every chunk appended, as placed) and closes the file. */
    async finish(chunks) {
        const chunkInfoOffset = this.compressedSize;
        this.append(encodeBlobMeta(chunks, chunkInfoOffset));
        await this.drain();
        await this.file.sync();
        await this.file.close();
        return {
            id: this.hash.digest('hex'),
            path: this.path,
            compressedSize: this.compressedSize,
            chunkInfoOffset,
            uncompressedSize: this.uncompressedSize,
        };
    }
    async abort() {
        await this.written.catch(() => undefined);
        await this.file.close().catch(() => undefined);
        await rm(this.path, { force: true });
    }
    get bytesWritten() {
        return this.compressedSize;
    }
    flushPending() {
        if (this.pendingBytes === 0)
            return;
        const buffers = this.pending;
        const done = this.pendingDone;
        this.pending = [];
        this.pendingDone = [];
        this.pendingBytes = 0;
        this.written = this.written.then(async () => {
            await this.file.writev(buffers);
            for (const callback of done)
                callback();
        });
        // The failure is reported by drain()/finish(); this only keeps it from being "unhandled".
        this.written.catch(() => undefined);
    }
}
//# sourceMappingURL=blob-writer.js.map