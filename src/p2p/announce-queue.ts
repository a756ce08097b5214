/**
 * The daemon's queued holding changes for the scheduler, pure: announce/withdraw calls coalesce
 * (the last change per chunk wins) until they are taken as Announce requests of at most
 * ANNOUNCE_BATCH offsets each; what could not be sent is put back unless a newer change for the
 * same chunk was queued meanwhile.
 */

import type { HeldChunks } from '../cache/types.js';
import { BLOB_ID } from '../util/hex-id.js';

/** One Announce call's worth of changes. */
export interface AnnounceRequest {
  added: HeldChunks[];
  removed: HeldChunks[];
  size: number;
}

/** Offsets per Announce call (the scheduler accepts 65536). */
export const ANNOUNCE_BATCH = 16_384;

export function isChunkOffset(offset: number): boolean {
  return Number.isSafeInteger(offset) && offset >= 0 && offset % 4096 === 0;
}

export class AnnounceQueue {
  /** blob → offset → true (holds) / false (no longer holds). */
  #pending = new Map<string, Map<number, boolean>>();

  get size(): number {
    return this.#pending.size;
  }

  /** Queues a change; malformed offsets are dropped (the blob id is the caller's to check). */
  add(blobId: string, offsets: readonly number[], holds: boolean): void {
    let chunks = this.#pending.get(blobId);
    if (chunks === undefined) this.#pending.set(blobId, (chunks = new Map()));
    for (const offset of offsets) if (isChunkOffset(offset)) chunks.set(offset, holds);
  }

  clear(): void {
    this.#pending.clear();
  }

  /** Everything queued, as Announce requests; the queue is empty afterwards. */
  take(): AnnounceRequest[] {
    const taken = this.#pending;
    this.#pending = new Map();
    const requests: AnnounceRequest[] = [];
    let req: AnnounceRequest = { added: [], removed: [], size: 0 };
    for (const [blobId, chunks] of taken) {
      const added: number[] = [];
      const removed: number[] = [];
      for (const [offset, holds] of chunks) (holds ? added : removed).push(offset);
      for (const [list, into] of [[added, 'added'], [removed, 'removed']] as const) {
        for (let i = 0; i < list.length; i += ANNOUNCE_BATCH) {
          const part = list.slice(i, i + ANNOUNCE_BATCH);
          if (req.size + part.length > ANNOUNCE_BATCH) {
            requests.push(req);
            req = { added: [], removed: [], size: 0 };
          }
          req[into].push({ blobId, offsets: part });
          req.size += part.length;
        }
      }
    }
    if (req.size > 0) requests.push(req);
    return requests;
  }

  /** Puts back requests that were not sent, under any change queued since they were taken. */
  putBack(requests: readonly AnnounceRequest[]): void {
    for (const rest of requests) {
      for (const [list, holds] of [[rest.added, true], [rest.removed, false]] as const) {
        for (const { blobId, offsets } of list) {
          let chunks = this.#pending.get(blobId);
          if (chunks === undefined) this.#pending.set(blobId, (chunks = new Map()));
          for (const o of offsets) if (!chunks.has(o)) chunks.set(o, holds);
        }
      }
    }
  }
}

/**
 * Everything a cache holds (`listHoldings`), as the `added` lists of Announce calls of at most
 * ANNOUNCE_BATCH offsets each; malformed blob ids and offsets are left out.
 */
export async function* announceBatches(source: AsyncIterable<HeldChunks> | Iterable<HeldChunks>): AsyncGenerator<HeldChunks[]> {
  let batch: HeldChunks[] = [];
  let size = 0;
  for await (const held of source) {
    if (!BLOB_ID.test(held.blobId)) continue;
    const offsets = held.offsets.filter(isChunkOffset);
    for (let i = 0; i < offsets.length; i += ANNOUNCE_BATCH) {
      const part = offsets.slice(i, i + ANNOUNCE_BATCH);
      if (size + part.length > ANNOUNCE_BATCH) {
        yield batch;
        batch = [];
        size = 0;
      }
      batch.push({ blobId: held.blobId, offsets: part });
      size += part.length;
    }
  }
  if (batch.length > 0) yield batch;
}
