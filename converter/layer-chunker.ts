import { BadTarError } from '../src/errors.js';
import { CHUNK_FLAG_ZSTD, HOLE, type ChunkRecord, type Compressor, type FileNode } from '../src/format/model.js';
import type { BlobWriter, FinishedBlob } from './blob-writer.js';
import type { ChunkStore } from './chunk-store.js';
import { BufferPool } from './buffer-pool.js';
import type { CompressPool } from './compress-pool.js';

/**
 * Cuts the regular files of one layer into chunks and stores the new ones in the layer's blob.
 *
 * Pipeline, per chunk: cut (JS thread) → all-zero? a hole : batch → digest (native, off the JS
 * thread, a batch at a time) → deduplicate (in chunk order, so output is deterministic) → compress
 * (worker pool, in parallel) → append to the blob (in chunk order). Memory is bounded by
 * `maxInFlightBytes`: the tar reader waits in `addFile` while that many chunk bytes are between
 * "cut" and "written or dropped", so a 2 GiB layer needs a few dozen MiB, not 2 GiB.
 */

export interface LayerChunkerOptions {
  chunkSize: number;
  compressor: Compressor;
  store: ChunkStore;
  /** Digests of many chunks at once (the configured algorithm). */
  digest: (chunks: Uint8Array[]) => Promise<Uint8Array[]>;
  /** Needed when compressor is 'zstd'. */
  pool?: CompressPool;
  /**
   * Creates this layer's blob writer; called at most once, when the first new chunk appears.
   * Without it the chunker only digests and deduplicates (what `darner check` needs to describe
   * a source image): records get no blob and no stored bytes.
   */
  createBlob?: () => Promise<BlobWriter>;
  maxInFlightBytes: number;
  /** Chunks are digested in batches of about this many bytes. */
  batchBytes: number;
  /** Where chunk buffers come from and go back to (shared across layers). */
  buffers?: BufferPool;
}

export interface LayerChunkStats {
  fileBytes: number;
  chunks: number;
  uniqueChunks: number;
  duplicateChunks: number;
  dictionaryChunks: number;
  holeChunks: number;
}

interface PendingChunk {
  data: Uint8Array;
  node: FileNode;
  slot: number;
}

export class LayerChunker {
  readonly stats: LayerChunkStats = {
    fileBytes: 0,
    chunks: 0,
    uniqueChunks: 0,
    duplicateChunks: 0,
    dictionaryChunks: 0,
    holeChunks: 0,
  };
  private batch: PendingChunk[] = [];
  private batchSize = 0;
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private failure: unknown;
  private decided: Promise<void> = Promise.resolve();
  private written: Promise<void> = Promise.resolve();
  private blob: BlobWriter | undefined;
  private blobIndex = -1;
  private readonly zero: Uint8Array;
  private readonly buffers: BufferPool;

  constructor(private readonly options: LayerChunkerOptions) {
    if (options.createBlob && options.compressor === 'zstd' && !options.pool) throw new Error('LayerChunker: zstd needs a CompressPool');
    this.zero = new Uint8Array(options.chunkSize);
    this.buffers = options.buffers ?? new BufferPool(options.maxInFlightBytes);
  }

  /** Chunks one regular file's data (exactly node.size bytes) into node.chunks. */
  async addFile(node: FileNode, body: AsyncIterable<Uint8Array>, path: string): Promise<void> {
    const { chunkSize } = this.options;
    node.chunks = new Array<number>(Math.ceil(node.size / chunkSize)).fill(HOLE);
    let slot = 0;
    let current: Uint8Array | undefined;
    let filled = 0;
    let seen = 0;
    for await (const piece of body) {
      let pos = 0;
      seen += piece.byteLength;
      if (seen > node.size) throw new BadTarError(`entry "${path}" has more data than its header says`);
      while (pos < piece.byteLength) {
        if (current === undefined) {
          // One ArrayBuffer per chunk: it is transferred whole to a compression worker and back.
          current = this.buffers.acquire(Math.min(chunkSize, node.size - slot * chunkSize));
          filled = 0;
        }
        const take = Math.min(current.byteLength - filled, piece.byteLength - pos);
        current.set(piece.subarray(pos, pos + take), filled);
        filled += take;
        pos += take;
        if (filled === current.byteLength) {
          await this.addChunk({ data: current, node, slot });
          slot += 1;
          current = undefined;
        }
      }
    }
    if (seen !== node.size) throw new BadTarError(`entry "${path}" is truncated (${seen} of ${node.size} bytes)`);
    this.stats.fileBytes += node.size;
  }

  /** Waits for every chunk to be written; returns the finished blob, if the layer made one. */
  async finish(): Promise<{ blob: FinishedBlob; blobIndex: number } | undefined> {
    this.dispatch();
    await this.decided;
    await this.written;
    this.throwIfFailed();
    if (!this.blob) return undefined;
    const blob = await this.blob.finish();
    return { blob, blobIndex: this.blobIndex };
  }

  /** Releases the partial blob after a failure. */
  async abort(): Promise<void> {
    this.failure ??= new Error('aborted');
    await this.decided.catch(() => undefined);
    await this.written.catch(() => undefined);
    await this.blob?.abort();
  }

  private async addChunk(chunk: PendingChunk): Promise<void> {
    this.throwIfFailed();
    this.stats.chunks += 1;
    const { data } = chunk;
    if (isAllZero(data, this.zero)) {
      this.stats.holeChunks += 1;
      chunk.node.chunks[chunk.slot] = HOLE;
      this.buffers.release(data);
      return;
    }
    this.inFlight += data.byteLength;
    this.batch.push(chunk);
    this.batchSize += data.byteLength;
    if (this.batchSize >= this.options.batchBytes) this.dispatch();
    if (this.inFlight >= this.options.maxInFlightBytes) {
      this.dispatch();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.throwIfFailed();
    }
  }

  /** Sends the current batch to be digested, then deduplicated in order. */
  private dispatch(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchSize = 0;
    const digests = this.options.digest(batch.map((c) => c.data));
    digests.catch(() => undefined); // observed below, in order
    this.decided = this.decided.then(async () => {
      const values = await digests;
      for (let i = 0; i < batch.length; i += 1) await this.decide(batch[i] as PendingChunk, values[i] as Uint8Array);
    });
    this.decided.catch((err) => this.fail(err));
  }

  private async decide(chunk: PendingChunk, digest: Uint8Array): Promise<void> {
    if (this.failure) return;
    const { store } = this.options;
    const wasDictionary = store.isDictionaryChunk(digest);
    const known = store.lookup(digest);
    if (known !== undefined) {
      chunk.node.chunks[chunk.slot] = known;
      if (wasDictionary) this.stats.dictionaryChunks += 1;
      else this.stats.duplicateChunks += 1;
      this.release(chunk.data.byteLength);
      this.buffers.release(chunk.data);
      return;
    }
    const size = chunk.data.byteLength;
    if (!this.options.createBlob) {
      chunk.node.chunks[chunk.slot] = store.addChunk({
        blobIndex: -1,
        compressedOffset: 0,
        compressedSize: 0,
        uncompressedOffset: 0,
        uncompressedSize: size,
        flags: 0,
        digest,
      });
      this.stats.uniqueChunks += 1;
      this.release(size);
      this.buffers.release(chunk.data);
      return;
    }
    const blob = await this.ensureBlob(this.options.createBlob);
    const record: ChunkRecord = {
      blobIndex: this.blobIndex,
      compressedOffset: 0,
      compressedSize: 0,
      uncompressedOffset: blob.reserveUncompressed(size),
      uncompressedSize: size,
      flags: 0,
      digest,
    };
    chunk.node.chunks[chunk.slot] = store.addChunk(record);
    this.stats.uniqueChunks += 1;
    const stored =
      this.options.compressor === 'zstd'
        ? (this.options.pool as CompressPool).compress(chunk.data)
        : Promise.resolve({ data: chunk.data, compressed: false });
    stored.catch(() => undefined); // observed below, in order
    this.written = this.written.then(async () => {
      const result = await stored;
      record.compressedOffset = blob.append(result.data, () => this.buffers.release(result.data));
      record.compressedSize = result.data.byteLength;
      record.flags = result.compressed ? CHUNK_FLAG_ZSTD : 0;
      this.release(size);
    });
    this.written.catch((err) => this.fail(err));
  }

  private async ensureBlob(create: () => Promise<BlobWriter>): Promise<BlobWriter> {
    if (!this.blob) {
      this.blob = await create();
      this.blobIndex = this.options.store.addBlob({ id: '', compressedSize: 0, uncompressedSize: 0, chunkCount: 0 });
    }
    return this.blob;
  }

  private release(bytes: number): void {
    this.inFlight -= bytes;
    if (this.inFlight < this.options.maxInFlightBytes) this.wake();
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function isAllZero(data: Uint8Array, zero: Uint8Array): boolean {
  // Cheap first test before the full compare: most chunks end in non-zero bytes.
  if (data[data.byteLength - 1] !== 0 || data[0] !== 0) return false;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(zero.subarray(0, data.byteLength));
}
