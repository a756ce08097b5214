/**
 * The daemon's queued holding changes for the scheduler, pure: announce/withdraw calls coalesce
 * (the last change per chunk wins) until they are taken as Announce requests of at most
 * ANNOUNCE_BATCH offsets each; what could not be sent is put back unless a newer change for the
 * same chunk was queued meanwhile.
 */
import { BLOB_ID } from '../util/hex-id.js';
/** Offsets per Announce call (the scheduler accepts 65536). */
export const ANNOUNCE_BATCH = 16_384;
export function isChunkOffset(offset) {
    return Number.isSafeInteger(offset) && offset >= 0 && offset % 4096 === 0;
}
export class AnnounceQueue {
    /** blob → offset → true (holds) / false (no longer holds). */
    #pending = new Map();
    get size() {
        return this.#pending.size;
    }
    /** Queues a change; malformed offsets are dropped (the blob id is the caller's to check). */
    add(blobId, offsets, holds) {
        let chunks = this.#pending.get(blobId);
        if (chunks === undefined)
            this.#pending.set(blobId, (chunks = new Map()));
        for (const offset of offsets)
            if (isChunkOffset(offset))
                chunks.set(offset, holds);
    }
    clear() {
        this.#pending.clear();
    }
    /** Everything queued, as Announce requests; the queue is empty afterwards. */
    take() {
        const taken = this.#pending;
        this.#pending = new Map();
        const requests = [];
        let req = { added: [], removed: [], size: 0 };
        for (const [blobId, chunks] of taken) {
            const added = [];
            const removed = [];
            for (const [offset, holds] of chunks)
                (holds ? added : removed).push(offset);
            for (const [list, into] of [[added, 'added'], [removed, 'removed']]) {
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
        if (req.size > 0)
            requests.push(req);
        return requests;
    }
    /** Puts back requests that were not sent, under any change queued since they were taken. */
    putBack(requests) {
        for (const rest of requests) {
            for (const [list, holds] of [[rest.added, true], [rest.removed, false]]) {
                for (const { blobId, offsets } of list) {
                    let chunks = this.#pending.get(blobId);
                    if (chunks === undefined)
                        this.#pending.set(blobId, (chunks = new Map()));
                    for (const o of offsets)
                        if (!chunks.has(o))
                            chunks.set(o, holds);
                }
            }
        }
    }
}
/**
 * Everything a cache holds (`listHoldings`), as the `added` lists of Announce calls of at most
 * ANNOUNCE_BATCH offsets each; malformed blob ids and offsets are left out.
 */
export async function* announceBatches(source) {
    let batch = [];
    let size = 0;
    for await (const held of source) {
        if (!BLOB_ID.test(held.blobId))
            continue;
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
    if (batch.length > 0)
        yield batch;
}
//# sourceMappingURL=announce-queue.js.map