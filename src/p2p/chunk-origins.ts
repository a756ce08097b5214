/**
 * Where this node got the chunks it fetched since it started: from the origin, or from another
 * peer. The peer server counts what it uploads by it (`darner_p2p_served_chunks_total{from}`):
 * chunks served `from="peer"` are second-hand, the cascade at work (a node passing on what it
 * received). Chunks the cache held before this process started are not known here and not
 * counted.
 *
 * Keyed by stored (compressed) offset, the unit of a peer request. Bounded: past `maxChunks`
 * the oldest blob's records are dropped whole. A blob removed from the cache, or chunks found
 * bad, are forgotten as the cache reports them.
 */
import type { BlobCache, CacheEvent } from '../cache/types.js';

export type ChunkFrom = 'origin' | 'peer';

export interface ReceivedChunk {
  uncompressedOffset: number;
  compressedOffset: number;
  stored: { length: number };
}

interface Record {
  uncompressedOffset: number;
  end: number;
  from: ChunkFrom;
}

export class ChunkOrigins {
  /** blob id → compressed offset → record; Map order is insertion order (oldest blob first). */
  readonly #byBlob = new Map<string, Map<number, Record>>();
  #count = 0;

  constructor(readonly maxChunks = 1 << 18) {}

  /** Forgets chunks the cache invalidated and blobs it removed. */
  attach(cache: BlobCache): () => void {
    return cache.onChange((event: CacheEvent) => {
      if (event.type === 'removed') this.#dropBlob(event.blobId);
      else if (event.type === 'invalidated') this.#drop(event.blobId, event.offsets);
    });
  }

  get size(): number {
    return this.#count;
  }

  record(blobId: string, from: ChunkFrom, chunks: readonly ReceivedChunk[]): void {
    let map = this.#byBlob.get(blobId);
    if (map === undefined) this.#byBlob.set(blobId, (map = new Map()));
    for (const c of chunks) {
      if (!map.has(c.compressedOffset)) this.#count += 1;
      map.set(c.compressedOffset, { uncompressedOffset: c.uncompressedOffset, end: c.compressedOffset + c.stored.length, from });
    }
    while (this.#count > this.maxChunks && this.#byBlob.size > 1) {
      const oldest = this.#byBlob.keys().next().value as string;
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
  countIn(blobId: string, offset: number, end: number): { origin: number; peer: number } {
    const out = { origin: 0, peer: 0 };
    const map = this.#byBlob.get(blobId);
    if (map === undefined) return out;
    for (let at = offset; at < end;) {
      const r = map.get(at);
      if (r === undefined || r.end > end || r.end <= at) break;
      out[r.from] += 1;
      at = r.end;
    }
    return out;
  }

  #drop(blobId: string, uncompressedOffsets: readonly number[]): void {
    const map = this.#byBlob.get(blobId);
    if (map === undefined) return;
    const gone = new Set(uncompressedOffsets);
    for (const [key, r] of map) {
      if (!gone.has(r.uncompressedOffset)) continue;
      map.delete(key);
      this.#count -= 1;
    }
    if (map.size === 0) this.#byBlob.delete(blobId);
  }

  #dropBlob(blobId: string): void {
    const map = this.#byBlob.get(blobId);
    if (map === undefined) return;
    this.#count -= map.size;
    this.#byBlob.delete(blobId);
  }
}
