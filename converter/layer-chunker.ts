import { BadTarError } from '../src/errors.js';
import { CHUNK_FLAG_ZSTD, HOLE, type ChunkRecord, type Compressor, type FileNode } from '../src/format/model.js';
import type { BatchBuffers, BatchSlot } from './batch-buffers.js';
import type { BlobWriter, FinishedBlob } from './blob-writer.js';
import type { ChunkStore } from './chunk-store.js';

/**
 * Cuts the regular files of one layer into chunks and stores the new ones in the layer's blob.
 *
 * Chunks are copied back to back into a batch buffer (BatchBuffers). An all-zero chunk is stored
 * and deduplicated like any other (nydusd reads no EROFS holes); it is only counted apart. A full batch is digested in one native call (off the JS thread), then
 * deduplicated in chunk order, and its new chunks are compressed in one native call into the
 * slot's output buffer (while the batch before is still being written) and appended to the blob
 * in chunk order, so the output does not depend on which thread finishes first. The slot is given back once its bytes are written; the reader
 * waits in `addFile` (or `batchInput`, when the native framer cuts the chunks) for a slot, so
 * memory is bounded by the BatchBuffers, not by the layer.
 */

export interface CompressResult {
  /** Per chunk, its stored length; the stored chunks are back to back in the output. */
  lengths: number[];
  /** Per chunk, CHUNK_FLAG_ZSTD or 0 (stored raw). */
  flags: number[];
}

export interface LayerChunkerOptions {
  chunkSize: number;
  compressor: Compressor;
  store: ChunkStore;
  /** Digests of consecutive pieces of `data` (piece i is `lengths[i]` bytes), the configured algorithm. */
  digest: (data: Uint8Array, lengths: number[]) => Promise<Uint8Array[]>;
  /**
   * Compresses the chunks at `ranges` (offset, length pairs) of `data` into `out`, back to back.
   * Needed when compressor is 'zstd' and a blob is written.
   */
  compress?: (data: Uint8Array, ranges: number[], out: Uint8Array) => Promise<CompressResult>;
  /**
   * Creates this layer's blob writer; called at most once, when the first new chunk appears.
   * Without it the chunker only digests and deduplicates (what `darner check` needs to describe
   * a source image): records get no blob and no stored bytes.
   */
  createBlob?: () => Promise<BlobWriter>;
  /** The batch buffers (shared across layers); each must hold at least one chunk. */
  buffers: BatchBuffers;
}

export interface LayerChunkStats {
  fileBytes: number;
  chunks: number;
  uniqueChunks: number;
  duplicateChunks: number;
  dictionaryChunks: number;
  /** All-zero chunks (not counted as unique, duplicate or dictionary chunks). */
  zeroChunks: number;
}

interface PendingChunk {
  /** undefined for bytes cut from a file the image does not keep: digested, then passed over. */
  node: FileNode | undefined;
  slot: number;
  /** Whether its bytes are all zero. */
  zero?: boolean;
  /** Where its bytes are in the batch's input buffer. */
  offset: number;
  length: number;
}

interface StoredChunk {
  record: ChunkRecord;
  data: Uint8Array;
  flags: number;
}

interface Batch {
  slot: BatchSlot;
  chunks: PendingChunk[];
  filled: number;
}

export class LayerChunker {
  readonly stats: LayerChunkStats = {
    fileBytes: 0,
    chunks: 0,
    uniqueChunks: 0,
    duplicateChunks: 0,
    dictionaryChunks: 0,
    zeroChunks: 0,
  };
  private batch: Batch | undefined;
  private failure: unknown;
  /** Settles when every batch dispatched so far is deduplicated (in order). */
  private decided: Promise<void> = Promise.resolve();
  /** Settles when every batch dispatched so far is written (in order). */
  private done: Promise<void> = Promise.resolve();
  private blob: BlobWriter | undefined;
  private blobIndex = -1;
  private readonly zero: Buffer;

  constructor(private readonly options: LayerChunkerOptions) {
    if (options.createBlob && options.compressor === 'zstd' && !options.compress) throw new Error('LayerChunker: zstd needs a compress function');
    if (options.buffers.bytes < options.chunkSize) throw new Error('LayerChunker: a batch buffer must hold a chunk');
    this.zero = Buffer.alloc(options.chunkSize);
  }

  get chunkSize(): number {
    return this.options.chunkSize;
  }

  /** Chunks one regular file's data (exactly node.size bytes) into node.chunks. */
  async addFile(node: FileNode, body: AsyncIterable<Uint8Array>, path: string): Promise<void> {
    const { chunkSize } = this.options;
    node.chunks = new Array<number>(Math.ceil(node.size / chunkSize)).fill(HOLE);
    let slot = 0;
    let chunk: PendingChunk | undefined;
    let batch: Batch | undefined;
    let copied = 0;
    let seen = 0;
    for await (const piece of body) {
      let pos = 0;
      seen += piece.byteLength;
      if (seen > node.size) throw new BadTarError(`entry "${path}" has more data than its header says`);
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
    if (seen !== node.size) throw new BadTarError(`entry "${path}" is truncated (${seen} of ${node.size} bytes)`);
    this.stats.fileBytes += node.size;
  }

  /**
   * The input buffer of the batch being filled (a new one once every slot is free to take),
   * for a caller that cuts chunks into it itself (converter/native-layer.ts).
   */
  async batchInput(): Promise<Buffer> {
    return (await this.batchWithRoom(0)).slot.input;
  }

  /** Starts a regular file whose chunks the caller cuts: every slot empty until `chunkCutAt`. */
  beginFile(node: FileNode): void {
    node.chunks = new Array<number>(Math.ceil(node.size / this.options.chunkSize)).fill(HOLE);
    this.stats.fileBytes += node.size;
  }

  /**
   * Takes the chunk the caller cut into the current batch right after the ones before it (its
   * `length` bytes at `offset` are chunk `slot` of `node`, or of a file the image does not keep
   * when `node` is undefined; `zero` when they are all zero).
   */
  chunkCutAt(node: FileNode | undefined, slot: number, offset: number, length: number, zero: boolean): void {
    const batch = this.batch;
    if (batch === undefined || offset !== batch.filled || offset + length > this.options.buffers.bytes) {
      throw new Error('LayerChunker: a chunk was cut outside the batch being filled');
    }
    if (node !== undefined && (slot >= node.chunks.length || length !== Math.min(this.options.chunkSize, node.size - slot * this.options.chunkSize))) {
      throw new Error(`LayerChunker: chunk ${slot} of a ${node.size}-byte file cannot be ${length} bytes`);
    }
    batch.filled = offset + length;
    if (node !== undefined) this.stats.chunks += 1;
    batch.chunks.push({ node, slot, offset, length, ...(zero ? { zero } : {}) });
  }

  /** Sends the batch being filled on (the caller's next chunks go to a new one). */
  endBatch(): void {
    this.throwIfFailed();
    this.dispatch();
  }

  /** Waits for every chunk to be written; returns the finished blob, if the layer made one. */
  async finish(): Promise<{ blob: FinishedBlob; blobIndex: number } | undefined> {
    this.dispatch();
    await this.done;
    this.throwIfFailed();
    if (!this.blob) return undefined;
    const blob = await this.blob.finish(this.options.store.chunks.filter((c) => c.blobIndex === this.blobIndex));
    return { blob, blobIndex: this.blobIndex };
  }

  /** Releases the partial blob after a failure. */
  async abort(): Promise<void> {
    this.failure ??= new Error('aborted');
    if (this.batch) {
      this.options.buffers.release(this.batch.slot);
      this.batch = undefined;
    }
    await this.done.catch(() => undefined);
    await this.blob?.abort();
  }

  /** The batch being filled, once it has room for `length` more bytes (a new one if not). */
  private async batchWithRoom(length: number): Promise<Batch> {
    this.throwIfFailed();
    if (this.batch && this.batch.filled + length > this.options.buffers.bytes) this.dispatch();
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

  private chunkCut(batch: Batch, chunk: PendingChunk): void {
    this.stats.chunks += 1;
    const data = batch.slot.input.subarray(chunk.offset, chunk.offset + chunk.length);
    if (isAllZero(data, this.zero)) chunk.zero = true;
    batch.chunks.push(chunk);
  }

  /**
   * Sends the batch being filled to be digested, deduplicated (in batch order), compressed (as
   * soon as it is deduplicated, so one batch compresses while the one before is written) and
   * appended to the blob (in batch order).
   */
  private dispatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    if (batch.chunks.length === 0) {
      this.options.buffers.release(batch.slot);
      return;
    }
    const digests = this.options.digest(
      batch.slot.input.subarray(0, batch.filled),
      batch.chunks.map((c) => c.length),
    );
    digests.catch(() => undefined); // observed below, in order
    const decided = this.decided.then(async () => {
      const values = await digests;
      return this.failure === undefined ? this.decide(batch.chunks, values) : [];
    });
    this.decided = decided.then(
      () => undefined,
      () => undefined, // reported through `done`
    );
    const stored = decided.then((fresh) => (fresh.length > 0 ? this.storedForm(batch, fresh) : []));
    stored.catch(() => undefined); // observed below, in order
    const previous = this.done;
    this.done = (async () => {
      try {
        await previous;
        await decided;
        const chunks = await stored;
        if (chunks.length > 0) await this.append(chunks);
      } finally {
        // The native call may still use the slot's buffers after a failure elsewhere.
        await stored.catch(() => undefined);
        this.options.buffers.release(batch.slot);
      }
    })();
    this.done.catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  /** Points every chunk at a known chunk or a new record; returns the new ones, in order. */
  private async decide(chunks: PendingChunk[], digests: Uint8Array[]): Promise<Array<{ chunk: PendingChunk; record: ChunkRecord }>> {
    const { store } = this.options;
    const fresh: Array<{ chunk: PendingChunk; record: ChunkRecord }> = [];
    for (const [i, chunk] of chunks.entries()) {
      const node = chunk.node;
      if (node === undefined) continue;
      const digest = digests[i] as Uint8Array;
      const wasDictionary = store.isDictionaryChunk(digest);
      const known = store.lookup(digest);
      if (known !== undefined) {
        node.chunks[chunk.slot] = known;
        if (chunk.zero === true) this.stats.zeroChunks += 1;
        else if (wasDictionary) this.stats.dictionaryChunks += 1;
        else this.stats.duplicateChunks += 1;
        continue;
      }
      if (chunk.zero === true) this.stats.zeroChunks += 1;
      else this.stats.uniqueChunks += 1;
      const blob = this.options.createBlob ? await this.ensureBlob(this.options.createBlob) : undefined;
      const record: ChunkRecord = {
        blobIndex: blob ? this.blobIndex : -1,
        compressedOffset: 0,
        compressedSize: 0,
        uncompressedOffset: blob ? blob.reserveUncompressed(chunk.length) : 0,
        uncompressedSize: chunk.length,
        flags: 0,
        digest,
      };
      node.chunks[chunk.slot] = store.addChunk(record);
      if (blob) fresh.push({ chunk, record });
    }
    return fresh;
  }

  /** The stored bytes of a batch's new chunks: compressed into the slot's output, or raw. */
  private async storedForm(batch: Batch, fresh: Array<{ chunk: PendingChunk; record: ChunkRecord }>): Promise<StoredChunk[]> {
    const input = batch.slot.input;
    if (this.options.compressor !== 'zstd') {
      return fresh.map(({ chunk, record }) => ({ record, data: input.subarray(chunk.offset, chunk.offset + chunk.length), flags: 0 }));
    }
    const output = this.options.buffers.outputOf(batch.slot);
    const ranges = fresh.flatMap(({ chunk }) => [chunk.offset, chunk.length]);
    const result = await (this.options.compress as NonNullable<LayerChunkerOptions['compress']>)(input, ranges, output);
    let at = 0;
    return fresh.map(({ record }, i) => {
      const length = result.lengths[i] as number;
      const data = output.subarray(at, at + length);
      at += length;
      return { record, data, flags: result.flags[i] === 1 ? CHUNK_FLAG_ZSTD : 0 };
    });
  }

  /** Appends stored chunks to the blob, in order; resolves once they are written out. */
  private async append(chunks: StoredChunk[]): Promise<void> {
    const blob = this.blob as BlobWriter;
    for (const { record, data, flags } of chunks) {
      record.compressedOffset = blob.append(data);
      record.compressedSize = data.byteLength;
      record.flags = flags;
    }
    // The slot's buffers are reused once the blob writer has written them out.
    await blob.drain();
  }

  private async ensureBlob(create: () => Promise<BlobWriter>): Promise<BlobWriter> {
    if (!this.blob) {
      this.blob = await create();
      this.blobIndex = this.options.store.addBlob({ id: '', compressedSize: 0, uncompressedSize: 0, chunkCount: 0 });
    }
    return this.blob;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function isAllZero(data: Uint8Array, zero: Buffer): boolean {
  // Cheap first test before the full compare: most chunks end in non-zero bytes.
  if (data[data.byteLength - 1] !== 0 || data[0] !== 0) return false;
  return zero.subarray(0, data.byteLength).equals(data);
}
