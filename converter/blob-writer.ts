import { createHash, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { encodeBlobMeta, type ChunkInfoSpan } from '../src/format/blob-meta.js';
import { BLOCK_SIZE } from '../src/format/model.js';

/**
 * Writes one data blob: stored chunks appended in order to a file, then the blob's chunk-info
 * array and header (blob-meta.ts), with the blob's sha256 computed on the way. It also hands out
 * positions in the blob's uncompressed address space, where every chunk starts on a BLOCK_SIZE
 * boundary.
 */

/** Small appends are gathered into writes of this size. */
const WRITE_BUFFER_BYTES = 1 << 20;

export interface FinishedBlob {
  /** sha256 hex of the stored bytes (chunks and chunk-info array). */
  id: string;
  path: string;
  /** Bytes of the whole file. */
  compressedSize: number;
  /** Where the chunk-info array begins: the end of the chunk data. */
  chunkInfoOffset: number;
  uncompressedSize: number;
}

export class BlobWriter {
  private readonly hash: Hash = createHash('sha256');
  private compressedSize = 0;
  private uncompressedSize = 0;
  private pending: Uint8Array[] = [];
  private pendingDone: Array<() => void> = [];
  private pendingBytes = 0;
  private written = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async create(path: string): Promise<BlobWriter> {
    return new BlobWriter(path, await open(path, 'w', 0o644));
  }

  /** Reserves `size` bytes of uncompressed space and returns their (block-aligned) offset. */
  reserveUncompressed(size: number): number {
    const offset = this.uncompressedSize;
    this.uncompressedSize += Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
    return offset;
  }

  /**
   * Appends stored bytes; returns their offset in the blob. Calls must come in blob order.
   * `written` runs once the bytes are on their way to disk (after which `data` may be reused).
   */
  append(data: Uint8Array, written?: () => void): number {
    const offset = this.compressedSize;
    this.compressedSize += data.byteLength;
    this.hash.update(data);
    this.pending.push(data);
    if (written) this.pendingDone.push(written);
    this.pendingBytes += data.byteLength;
    if (this.pendingBytes >= WRITE_BUFFER_BYTES) this.flushPending();
    return offset;
  }

  /** Resolves once everything appended so far is written; rejects on a write error. */
  async drain(): Promise<void> {
    this.flushPending();
    await this.written;
  }

  /** Appends the chunk-info array of `chunks` (every chunk appended, as placed) and closes the file. */
  async finish(chunks: readonly ChunkInfoSpan[]): Promise<FinishedBlob> {
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

  async abort(): Promise<void> {
    await this.written.catch(() => undefined);
    await this.file.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  get bytesWritten(): number {
    return this.compressedSize;
  }

  private flushPending(): void {
    if (this.pendingBytes === 0) return;
    const buffers = this.pending;
    const done = this.pendingDone;
    this.pending = [];
    this.pendingDone = [];
    this.pendingBytes = 0;
    this.written = this.written.then(async () => {
      await this.file.writev(buffers);
      for (const callback of done) callback();
    });
    // The failure is reported by drain()/finish(); this only keeps it from being "unhandled".
    this.written.catch(() => undefined);
  }
}
