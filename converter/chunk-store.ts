import { UsageError } from '../src/errors.js';
import type { BlobRecord, ChunkDigestAlgorithm, ChunkRecord } from '../src/format/model.js';

/**
 * The image's blob and chunk tables while they are being built, and the deduplication index
 * (chunk digest → chunk-table index) over this image's chunks and a chunk dictionary's (pure).
 *
 * A dictionary chunk enters this image's tables only when a file first uses it; its blob then
 * joins the blob table, so the image references exactly the dictionary blobs it needs.
 */

export interface ChunkDictionary {
  chunkSize: number;
  digestAlgorithm: ChunkDigestAlgorithm;
  blobs: BlobRecord[];
  chunks: ChunkRecord[];
}

interface DictionaryChunk {
  dictionaryBlob: BlobRecord;
  record: ChunkRecord;
}

export function digestKey(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('latin1');
}

export class ChunkStore {
  readonly blobs: BlobRecord[] = [];
  readonly chunks: ChunkRecord[] = [];
  /** Dictionary blobs this image references, in the order they joined the blob table. */
  readonly dictionaryBlobsUsed: BlobRecord[] = [];
  private readonly index = new Map<string, number | DictionaryChunk>();
  private readonly blobIndexById = new Map<string, number>();

  constructor(
    readonly chunkSize: number,
    readonly digestAlgorithm: ChunkDigestAlgorithm,
  ) {}

  /** Makes the chunks of an earlier image available for deduplication. */
  addDictionary(dict: ChunkDictionary): void {
    if (dict.chunkSize !== this.chunkSize) {
      throw new UsageError(`the chunk dictionary uses ${dict.chunkSize}-byte chunks, this conversion ${this.chunkSize}-byte chunks`);
    }
    if (dict.digestAlgorithm !== this.digestAlgorithm) {
      throw new UsageError(`the chunk dictionary uses ${dict.digestAlgorithm} digests, this conversion ${this.digestAlgorithm}`);
    }
    for (const record of dict.chunks) {
      const blob = dict.blobs[record.blobIndex];
      if (!blob) continue;
      const key = digestKey(record.digest);
      if (!this.index.has(key)) this.index.set(key, { dictionaryBlob: blob, record });
    }
  }

  /** The chunk-table index of a chunk with this digest, if the image or dictionary has one. */
  lookup(digest: Uint8Array): number | undefined {
    const key = digestKey(digest);
    const hit = this.index.get(key);
    if (hit === undefined || typeof hit === 'number') return hit;
    // First use of a dictionary chunk: copy it into this image's tables.
    const blobIndex = this.blobIndexOf(hit.dictionaryBlob, true);
    const index = this.chunks.push({ ...hit.record, blobIndex }) - 1;
    this.index.set(key, index);
    return index;
  }

  /** Whether `lookup` would find the digest, without materializing dictionary chunks. */
  isDictionaryChunk(digest: Uint8Array): boolean {
    const hit = this.index.get(digestKey(digest));
    return hit !== undefined && typeof hit !== 'number';
  }

  /** Adds a new blob (a layer's) to the blob table; returns its index. */
  addBlob(blob: BlobRecord): number {
    return this.blobs.push(blob) - 1;
  }

  /** Adds a new unique chunk; returns its chunk-table index. */
  addChunk(record: ChunkRecord): number {
    const index = this.chunks.push(record) - 1;
    this.index.set(digestKey(record.digest), index);
    return index;
  }

  private blobIndexOf(blob: BlobRecord, fromDictionary: boolean): number {
    const known = this.blobIndexById.get(blob.id);
    if (known !== undefined) return known;
    // This image uses only some of a dictionary blob's chunks, so its chunk-info indexes are not
    // the blob's own array's: the record describes the blob as chunks only.
    const { chunkInfoOffset: _ownArray, ...record } = blob;
    const index = this.blobs.push(record) - 1;
    this.blobIndexById.set(blob.id, index);
    if (fromDictionary) this.dictionaryBlobsUsed.push(blob);
    return index;
  }
}
