import { BadTarError } from '../src/errors.js';
import { CHUNK_FLAG_ZSTD, HOLE } from '../src/format/model.js';
export class LayerChunker {
    options;
    stats = {
        fileBytes: 0,
        chunks: 0,
        uniqueChunks: 0,
        duplicateChunks: 0,
        dictionaryChunks: 0,
        zeroChunks: 0,
    };
    batch;
    failure;
    /** Settles when every batch dispatched so far is deduplicated (in order). */
    decided = Promise.resolve();
    /** Settles when every batch dispatched so far is written (in order). */
    done = Promise.resolve();
    blob;
    blobIndex = -1;
    zero;
    constructor(options) {
        this.options = options;
        if (options.createBlob && options.compressor === 'zstd' && !options.compress)
            throw new Error('LayerChunker: zstd needs a compress function');
        if (options.buffers.bytes < options.chunkSize)
            throw new Error('LayerChunker: a batch buffer must hold a chunk');
        this.zero = Buffer.alloc(options.chunkSize);
    }
    /** Chunks one regular file's data (exactly node.size bytes) into node.chunks. */
    async addFile(node, body, path) {
        const { chunkSize } = this.options;
        node.chunks = new Array(Math.ceil(node.size / chunkSize)).fill(HOLE);
        let slot = 0;
        let chunk;
        let batch;
        let copied = 0;
        let seen = 0;
        for await (const piece of body) {
            let pos = 0;
            seen += piece.byteLength;
            if (seen > node.size)
                throw new BadTarError(`entry "${path}" has more data than its header says`);
            while (pos < piece.byteLength) {
                if (chunk === undefined || batch === undefined) {
                    const length = Math.min(chunkSize, node.size - slot * chunkSize);
                    batch = await this.batchWithRoom(length);
                    chunk = { node, slot, offset: batch.filled, length };
                    batch.filled += length;
                    copied = 0;
                }
                const take = Math.min(chunk.length - copied, piece.byteLength - pos);
                batch.slot.input.set(piece.subarray(pos, pos + take), chunk.offset + copied);
                copied += take;
                pos += take;
                if (copied === chunk.length) {
                    this.chunkCut(batch, chunk);
                    slot += 1;
                    chunk = undefined;
                }
            }
        }
        if (seen !== node.size)
            throw new BadTarError(`entry "${path}" is truncated (${seen} of ${node.size} bytes)`);
        this.stats.fileBytes += node.size;
    }
    /** Waits for every chunk to be written; returns the finished blob, if the layer made one. */
    async finish() {
        this.dispatch();
        await this.done;
        this.throwIfFailed();
        if (!this.blob)
            return undefined;
        const blob = await this.blob.finish(this.options.store.chunks.filter((c) => c.blobIndex === this.blobIndex));
        return { blob, blobIndex: this.blobIndex };
    }
    /** Releases the partial blob after a failure. */
    async abort() {
        this.failure ??= new Error('aborted');
        if (this.batch) {
            this.options.buffers.release(this.batch.slot);
            this.batch = undefined;
        }
        await this.done.catch(() => undefined);
        await this.blob?.abort();
    }
    /** The batch being filled, once it has room for `length` more bytes (a new one if not). */
    async batchWithRoom(length) {
        this.throwIfFailed();
        if (this.batch && this.batch.filled + length > this.options.buffers.bytes)
            this.dispatch();
        if (!this.batch) {
            const slot = await this.options.buffers.acquire();
            if (this.failure !== undefined) {
                this.options.buffers.release(slot);
                throw this.failure;
            }
            this.batch = { slot, chunks: [], filled: 0 };
        }
        return this.batch;
    }
    chunkCut(batch, chunk) {
        this.stats.chunks += 1;
        const data = batch.slot.input.subarray(chunk.offset, chunk.offset + chunk.length);
        if (isAllZero(data, this.zero))
            chunk.zero = true;
        batch.chunks.push(chunk);
    }
    /**
     * Sends the batch being filled to be digested, deduplicated (in batch order), compressed (as
     * soon as it is deduplicated, so one batch compresses while the one before is written) and
     * appended to the blob (in batch order).
     */
    dispatch() {
        const batch = this.batch;
        if (!batch)
            return;
        this.batch = undefined;
        if (batch.chunks.length === 0) {
            this.options.buffers.release(batch.slot);
            return;
        }
        const digests = this.options.digest(batch.slot.input.subarray(0, batch.filled), batch.chunks.map((c) => c.length));
        digests.catch(() => undefined); // observed below, in order
        const decided = this.decided.then(async () => {
            const values = await digests;
            return this.failure === undefined ? this.decide(batch.chunks, values) : [];
        });
        this.decided = decided.then(() => undefined, () => undefined);
        const stored = decided.then((fresh) => (fresh.length > 0 ? this.storedForm(batch, fresh) : []));
        stored.catch(() => undefined); // observed below, in order
        const previous = this.done;
        this.done = (async () => {
            try {
                await previous;
                await decided;
                const chunks = await stored;
                if (chunks.length > 0)
                    await this.append(chunks);
            }
            finally {
                // The native call may still use the slot's buffers after a failure elsewhere.
                await stored.catch(() => undefined);
                this.options.buffers.release(batch.slot);
            }
        })();
        this.done.catch((err) => {
            this.failure ??= err;
        });
    }
    /** Points every chunk at a known chunk or a new record; returns the new ones, in order. */
    async decide(chunks, digests) {
        const { store } = this.options;
        const fresh = [];
        for (const [i, chunk] of chunks.entries()) {
            const digest = digests[i];
            const wasDictionary = store.isDictionaryChunk(digest);
            const known = store.lookup(digest);
            if (known !== undefined) {
                chunk.node.chunks[chunk.slot] = known;
                if (chunk.zero === true)
                    this.stats.zeroChunks += 1;
                else if (wasDictionary)
                    this.stats.dictionaryChunks += 1;
                else
                    this.stats.duplicateChunks += 1;
                continue;
            }
            if (chunk.zero === true)
                this.stats.zeroChunks += 1;
            else
                this.stats.uniqueChunks += 1;
            const blob = this.options.createBlob ? await this.ensureBlob(this.options.createBlob) : undefined;
            const record = {
                blobIndex: blob ? this.blobIndex : -1,
                compressedOffset: 0,
                compressedSize: 0,
                uncompressedOffset: blob ? blob.reserveUncompressed(chunk.length) : 0,
                uncompressedSize: chunk.length,
                flags: 0,
                digest,
            };
            chunk.node.chunks[chunk.slot] = store.addChunk(record);
            if (blob)
                fresh.push({ chunk, record });
        }
        return fresh;
    }
    /** The stored bytes of a batch's new chunks: compressed into the slot's output, or raw. */
    async storedForm(batch, fresh) {
        const input = batch.slot.input;
        if (this.options.compressor !== 'zstd') {
            return fresh.map(({ chunk, record }) => ({ record, data: input.subarray(chunk.offset, chunk.offset + chunk.length), flags: 0 }));
        }
        const output = this.options.buffers.outputOf(batch.slot);
        const ranges = fresh.flatMap(({ chunk }) => [chunk.offset, chunk.length]);
        const result = await this.options.compress(input, ranges, output);
        let at = 0;
        return fresh.map(({ record }, i) => {
            const length = result.lengths[i];
            const data = output.subarray(at, at + length);
            at += length;
            return { record, data, flags: result.flags[i] === 1 ? CHUNK_FLAG_ZSTD : 0 };
        });
    }
    /** Appends stored chunks to the blob, in order; resolves once they are written out. */
    async append(chunks) {
        const blob = this.blob;
        for (const { record, data, flags } of chunks) {
            record.compressedOffset = blob.append(data);
            record.compressedSize = data.byteLength;
            record.flags = flags;
        }
        // The slot's buffers are reused once the blob writer has written them out.
        await blob.drain();
    }
    async ensureBlob(create) {
        if (!this.blob) {
            this.blob = await create();
            this.blobIndex = this.options.store.addBlob({ id: '', compressedSize: 0, uncompressedSize: 0, chunkCount: 0 });
        }
        return this.blob;
    }
    throwIfFailed() {
        if (this.failure !== undefined)
            throw this.failure;
    }
}
function isAllZero(data, zero) {
    // Cheap first test before the full compare: most chunks end in non-zero bytes.
    if (data[data.byteLength - 1] !== 0 || data[0] !== 0)
        return false;
    return zero.subarray(0, data.byteLength).equals(data);
}
//# sourceMappingURL=layer-chunker.js.map