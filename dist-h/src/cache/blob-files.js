/**
 * One blob's cache files, opened once and shared by every lease (every mount, fetch and peer
 * upload of that blob):
 *
 *   data     sparse, the blob's uncompressed address space (chunk at its uncompressedOffset)
 *   stored   sparse, the blob's stored bytes (chunk at its compressedOffset), for the P2P peer
 *   ready    header + one bit per 4 KiB block, set where a ready chunk starts (ready-bitmap.ts)
 *   chunks   append-only log of committed chunks' stored extents and digests (chunk-log.ts)
 *   used     empty; its mtime is the blob's last use
 *
 * Crash safety (docs/cache.md): a batch's bytes are written to data and stored and both files
 * fdatasync'ed before any of its bits is set, in memory or on disk; so every bit on disk names
 * bytes that reached the disk before it. Bitmap writes are serialized, each writing the current
 * in-memory bytes, so an older snapshot never lands after a newer one. What a crash, a disk
 * fault or a bug still gets wrong is caught by verifying each ready chunk on its first read after
 * start ("verified this run", in memory only).
 */
import { join } from 'node:path';
import { VerifiedChunk, verifyChunkData, verifyStoredRange } from '../chunk-verify.js';
import { BadRangeError, FailedPreconditionError } from '../errors.js';
import { BLOCK_SIZE } from '../format/model.js';
import { log } from '../log.js';
import { coveringExtents, encodeChunkLogRecord } from './chunk-log.js';
import { readFully } from '../util/read-fully.js';
import { contiguousWrites, writeFully, writevFully } from './file-io.js';
import { Mutex } from './mutex.js';
import { BlockBitmap, READY_HEADER_SIZE } from './ready-bitmap.js';
export const FILE_DATA = 'data';
export const FILE_STORED = 'stored';
export const FILE_READY = 'ready';
export const FILE_CHUNKS = 'chunks';
export const FILE_USED = 'used';
function sameDigest(a, b) {
    return a !== undefined && (a === b || Buffer.compare(a, b) === 0);
}
export class BlobFiles {
    id;
    compressedSize;
    uncompressedSize;
    dir;
    /** Leases held (maintained by the cache). */
    refs = 0;
    #ctx;
    #data;
    #stored;
    #ready;
    #chunkLog;
    #bits;
    /**
     * Ready chunks whose data bytes were verified since this process opened the blob, with the
     * digest they matched: a reader whose chunk record names another digest (another image's
     * bootstrap disagreeing about this blob) verifies again against its own.
     */
    #verified = new Map();
    /** Ready chunks whose stored bytes were verified since then (peer uploads). */
    #storedVerified;
    #verifying = new Map();
    /** Latest logged extent per block (for stored ranges). */
    #logged = new Map();
    #extents;
    #pendingLog = [];
    #persist = new Mutex();
    #closed = false;
    /**
     * Over files already open and checked (openBlobFiles), with `bits` as read from `ready`. The
     * files are the blob's from now on: close() closes them.
     */
    constructor(dir, identity, ctx, files, bits) {
        this.dir = dir;
        this.id = identity.id;
        this.compressedSize = identity.compressedSize;
        this.uncompressedSize = identity.uncompressedSize;
        this.#ctx = ctx;
        this.#data = files.data;
        this.#stored = files.stored;
        this.#ready = files.ready;
        this.#chunkLog = files.chunkLog;
        this.#bits = bits;
        this.#storedVerified = new BlockBitmap(bits.blocks);
    }
    /** @internal the chunk log's records, at open. */
    seedLogged(chunks) {
        for (const c of chunks)
            this.#logged.set(c.record.uncompressedOffset / BLOCK_SIZE, c);
    }
    get readyCount() {
        return this.#bits.count;
    }
    isReady(uncompressedOffset) {
        return uncompressedOffset % BLOCK_SIZE === 0 && this.#bits.has(uncompressedOffset / BLOCK_SIZE);
    }
    get dataPath() {
        return join(this.dir, FILE_DATA);
    }
    isVerified(record) {
        if (record.uncompressedOffset % BLOCK_SIZE !== 0)
            return false;
        const block = record.uncompressedOffset / BLOCK_SIZE;
        return this.#bits.has(block) && sameDigest(this.#verified.get(block), record.digest);
    }
    readyOffsets() {
        return [...this.#bits.setBlocks()].map((b) => b * BLOCK_SIZE);
    }
    async readChunk(record, algorithm, start = 0, length = record.uncompressedSize - start) {
        this.#checkOpen();
        if (start < 0 || length < 0 || start + length > record.uncompressedSize)
            throw new BadRangeError(`blob ${this.id}: bytes ${start}+${length} of a ${record.uncompressedSize}-byte chunk`);
        this.#checkChunk(record);
        this.#ctx.used();
        const block = record.uncompressedOffset / BLOCK_SIZE;
        if (!this.#bits.has(block))
            return undefined;
        if (sameDigest(this.#verified.get(block), record.digest)) {
            const bytes = await readFully(this.#data, length, record.uncompressedOffset + start);
            if (bytes.length === length)
                return bytes;
            // The file shrank under us: treat like a bad chunk.
        }
        const whole = await this.#verifyOnce(record, algorithm);
        return whole?.subarray(start, start + length);
    }
    /** Reads and digests a ready chunk not yet verified this run; one verification per chunk at a time. */
    #verifyOnce(record, algorithm) {
        const block = record.uncompressedOffset / BLOCK_SIZE;
        const running = this.#verifying.get(block);
        if (running !== undefined) {
            if (sameDigest(running.digest, record.digest))
                return running.promise;
            return running.promise.then(() => this.readChunk(record, algorithm));
        }
        const run = (async () => {
            const bytes = await readFully(this.#data, record.uncompressedSize, record.uncompressedOffset);
            const [ok] = await verifyChunkData(algorithm, [record], [bytes]);
            if (ok) {
                if (this.#bits.has(block))
                    this.#verified.set(block, record.digest);
                return bytes;
            }
            this.#ctx.metrics.corruptChunks.inc();
            log.warn({ blob: this.id, offset: record.uncompressedOffset }, 'blob cache: a ready chunk failed verification; fetching it again');
            await this.invalidate([record.uncompressedOffset]);
            return undefined;
        })().finally(() => this.#verifying.delete(block));
        this.#verifying.set(block, { digest: record.digest, promise: run });
        return run;
    }
    async readStoredRange(offset, length) {
        if (this.#stored === undefined || this.#closed)
            return undefined;
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0 || offset + length > this.compressedSize)
            return undefined;
        const extents = this.#sortedExtents();
        const cover = coveringExtents(extents, offset, length);
        if (cover === undefined)
            return undefined;
        const covering = extents.slice(cover[0], cover[1] + 1);
        const spanStart = covering[0].start;
        const span = await readFully(this.#stored, covering[covering.length - 1].end - spanStart, spanStart);
        if (span.length !== covering[covering.length - 1].end - spanStart)
            return undefined;
        const unchecked = covering.filter((e) => !this.#storedVerified.has(e.chunk.record.uncompressedOffset / BLOCK_SIZE));
        for (const algorithm of ['blake3', 'sha256']) {
            const records = unchecked.filter((e) => e.chunk.algorithm === algorithm).map((e) => e.chunk.record);
            if (records.length === 0)
                continue;
            const verdicts = await verifyStoredRange(algorithm, this.id, span, spanStart, records);
            const bad = verdicts.filter((v) => !v.ok).map((v) => (v.ok ? 0 : v.record.uncompressedOffset));
            if (bad.length > 0) {
                this.#ctx.metrics.corruptChunks.inc(bad.length);
                log.warn({ blob: this.id, offsets: bad }, 'blob cache: stored bytes of ready chunks failed verification');
                await this.invalidate(bad);
                return undefined;
            }
            for (const r of records)
                this.#storedVerified.set(r.uncompressedOffset / BLOCK_SIZE);
        }
        // Still ready (not invalidated while we read)?
        if (!covering.every((e) => this.#bits.has(e.chunk.record.uncompressedOffset / BLOCK_SIZE)))
            return undefined;
        return span.subarray(offset - spanStart, offset - spanStart + length);
    }
    #sortedExtents() {
        if (this.#extents === undefined) {
            const list = [];
            for (const [block, chunk] of this.#logged) {
                if (!this.#bits.has(block))
                    continue;
                list.push({ start: chunk.record.compressedOffset, end: chunk.record.compressedOffset + chunk.record.compressedSize, chunk });
            }
            list.sort((a, b) => a.start - b.start);
            this.#extents = list;
        }
        return this.#extents;
    }
    add() {
        this.#checkOpen();
        const pending = [];
        const writes = [];
        let state = 'open';
        let failed = false;
        /** Counts the batch as failed once, whichever of its writes or its sync failed first. */
        const failure = (err) => {
            if (!failed)
                this.#ctx.metrics.writeFailures.inc();
            failed = true;
            throw err;
        };
        return {
            write: async (chunk) => {
                if (state !== 'open')
                    throw new FailedPreconditionError(`blob ${this.id}: write to a chunk batch that is ${state}`);
                if (!VerifiedChunk.is(chunk))
                    throw new TypeError('only a VerifiedChunk can be written to the blob cache');
                if (chunk.blobId !== this.id)
                    throw new BadRangeError(`a chunk of blob ${chunk.blobId} written to blob ${this.id}`);
                this.#checkChunk(chunk.record);
                const r = chunk.record;
                const write = (async () => {
                    await writeFully(this.#data, chunk.data, r.uncompressedOffset);
                    if (this.#stored)
                        await writeFully(this.#stored, chunk.stored, r.compressedOffset);
                })().catch(failure);
                writes.push(write.catch(() => undefined));
                await write;
                pending.push(chunk);
            },
            writeAll: async (chunks) => {
                if (state !== 'open')
                    throw new FailedPreconditionError(`blob ${this.id}: write to a chunk batch that is ${state}`);
                for (const chunk of chunks) {
                    if (!VerifiedChunk.is(chunk))
                        throw new TypeError('only a VerifiedChunk can be written to the blob cache');
                    if (chunk.blobId !== this.id)
                        throw new BadRangeError(`a chunk of blob ${chunk.blobId} written to blob ${this.id}`);
                    this.#checkChunk(chunk.record);
                }
                const byData = [...chunks].sort((a, b) => a.record.uncompressedOffset - b.record.uncompressedOffset);
                const byStored = [...chunks].sort((a, b) => a.record.compressedOffset - b.record.compressedOffset);
                const write = (async () => {
                    for (const run of contiguousWrites(byData.map((c) => ({ start: c.record.uncompressedOffset, bytes: c.data })), BLOCK_SIZE - 1)) {
                        await writevFully(this.#data, run.buffers, run.position);
                    }
                    if (this.#stored) {
                        for (const run of contiguousWrites(byStored.map((c) => ({ start: c.record.compressedOffset, bytes: c.stored })), 0)) {
                            await writevFully(this.#stored, run.buffers, run.position);
                        }
                    }
                })().catch(failure);
                writes.push(write.catch(() => undefined));
                await write;
                pending.push(...chunks);
            },
            commit: async () => {
                if (state !== 'open')
                    throw new FailedPreconditionError(`blob ${this.id}: commit of a chunk batch that is ${state}`);
                state = 'committing';
                await Promise.all(writes);
                if (pending.length === 0 || this.#closed) {
                    state = 'done';
                    return [];
                }
                try {
                    // The ordering everything rests on: bytes durable first, bits after.
                    await Promise.all([this.#data.datasync(), this.#stored?.datasync()]);
                }
                catch (err) {
                    state = 'aborted';
                    failure(err);
                }
                const newly = [];
                for (const c of pending) {
                    const block = c.record.uncompressedOffset / BLOCK_SIZE;
                    if (this.#bits.set(block))
                        newly.push(c.record.uncompressedOffset);
                    this.#verified.set(block, c.record.digest);
                    if (this.#stored) {
                        this.#storedVerified.set(block);
                        this.#logged.set(block, { record: c.record, algorithm: c.algorithm });
                        this.#pendingLog.push(encodeChunkLogRecord(c.record, c.algorithm));
                    }
                }
                this.#extents = undefined;
                state = 'done';
                this.#ctx.metrics.committedChunks.inc(newly.length);
                await this.#persistBits(false);
                if (newly.length > 0)
                    this.#ctx.emit({ type: 'ready', blobId: this.id, offsets: newly });
                return newly;
            },
            abort: () => {
                if (state === 'open')
                    state = 'aborted';
            },
        };
    }
    async invalidate(uncompressedOffsets) {
        const cleared = [];
        for (const offset of uncompressedOffsets) {
            if (offset % BLOCK_SIZE !== 0)
                continue;
            const block = offset / BLOCK_SIZE;
            if (this.#bits.has(block)) {
                this.#bits.clear(block);
                cleared.push(offset);
            }
            this.#verified.delete(block);
            if (this.#storedVerified.has(block))
                this.#storedVerified.clear(block);
        }
        if (cleared.length === 0)
            return;
        this.#extents = undefined;
        // Synced, so that a chunk rewritten after this never sits under a stale bit on disk.
        await this.#persistBits(true);
        this.#ctx.emit({ type: 'invalidated', blobId: this.id, offsets: cleared });
    }
    /**
     * Writes the changed part of the in-memory bitmap (and queued chunk-log records). Serialized,
     * and each run writes the bytes as they are when it runs, so the file never goes backwards.
     * A failure is logged, not thrown: the chunks' bytes are synced, the bits only get lost.
     */
    #persistBits(sync) {
        return this.#persist.run(async () => {
            if (this.#closed)
                return;
            try {
                const dirty = this.#bits.takeDirty();
                if (dirty !== undefined) {
                    const bytes = Buffer.from(this.#bits.bytes.subarray(dirty.start, dirty.end));
                    await writeFully(this.#ready, bytes, READY_HEADER_SIZE + dirty.start);
                    if (sync)
                        await this.#ready.datasync();
                }
                if (this.#pendingLog.length > 0 && this.#chunkLog) {
                    const records = Buffer.concat(this.#pendingLog);
                    this.#pendingLog = [];
                    await this.#chunkLog.write(records);
                }
            }
            catch (err) {
                this.#ctx.metrics.writeFailures.inc();
                log.error({ blob: this.id, err }, 'blob cache: could not write the ready bitmap');
            }
        });
    }
    /** Waits for pending bitmap writes and closes the files. */
    async close() {
        await this.#persist.run(async () => {
            this.#closed = true;
            await Promise.all([this.#data, this.#stored, this.#ready, this.#chunkLog].map((h) => h?.close().catch(() => undefined)));
        });
    }
    #checkOpen() {
        if (this.#closed)
            throw new FailedPreconditionError(`blob ${this.id}: cache files are closed`);
    }
    #checkChunk(r) {
        if (r.uncompressedOffset % BLOCK_SIZE !== 0 ||
            r.uncompressedOffset < 0 ||
            r.uncompressedOffset + r.uncompressedSize > this.uncompressedSize ||
            r.compressedOffset < 0 ||
            r.compressedOffset + r.compressedSize > this.compressedSize)
            throw new BadRangeError(`blob ${this.id}: chunk at ${r.uncompressedOffset}+${r.uncompressedSize} (stored ${r.compressedOffset}+${r.compressedSize}) is outside the blob`);
    }
}
//# sourceMappingURL=blob-files.js.map