/**
 * The chunks this node is fetching now: from the origin because the scheduler elected it
 * (BACK_TO_SOURCE), or from an in-progress parent, which makes this node a relay of them (the
 * scheduler may point later requesters at it: ./scheduler/cascade.ts). The peer source records
 * each such range until its bytes are verified (and handed to PendingChunks) or the fetch ends;
 * the peer server asks whether a blob has any, to decide whether a request for chunks it does
 * not hold yet is worth holding (another peer was told this node is fetching them:
 * `in_progress`).
 */
export class InboundFetches {
    #active = new Map();
    #listeners = new Set();
    /** Records a fetch of some of blob `blobId`'s chunks; the returned function ends it (idempotent). */
    begin(blobId) {
        this.#active.set(blobId, (this.#active.get(blobId) ?? 0) + 1);
        let ended = false;
        return () => {
            if (ended)
                return;
            ended = true;
            const n = (this.#active.get(blobId) ?? 1) - 1;
            if (n <= 0)
                this.#active.delete(blobId);
            else
                this.#active.set(blobId, n);
            for (const l of [...this.#listeners])
                l(blobId);
        };
    }
    /** Whether some chunks of the blob are being fetched by this node (from the origin or a parent). */
    active(blobId) {
        return this.#active.has(blobId);
    }
    /** Calls `listener` whenever a fetch ends; returns the function that unsubscribes. */
    onEnd(listener) {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
    }
}
//# sourceMappingURL=inbound-fetches.js.map