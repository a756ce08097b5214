/**
 * The chunks this node is fetching from the origin because the scheduler elected it
 * (BACK_TO_SOURCE): the peer source records each such range from its decline until the fetch
 * path reports how it ended; the peer server asks whether a blob has any, to decide whether a
 * request for chunks it does not hold yet is worth holding (another peer was told this node is
 * fetching them: `in_progress`).
 */
export class OriginFetches {
  readonly #active = new Map<string, number>();
  readonly #listeners = new Set<(blobId: string) => void>();

  /** Records a fetch of some of blob `blobId`'s chunks; the returned function ends it (idempotent). */
  begin(blobId: string): () => void {
    this.#active.set(blobId, (this.#active.get(blobId) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.#active.get(blobId) ?? 1) - 1;
      if (n <= 0) this.#active.delete(blobId);
      else this.#active.set(blobId, n);
      for (const l of [...this.#listeners]) l(blobId);
    };
  }

  /** Whether some chunks of the blob are being fetched from the origin by this node. */
  active(blobId: string): boolean {
    return this.#active.has(blobId);
  }

  /** Calls `listener` whenever a fetch ends; returns the function that unsubscribes. */
  onEnd(listener: (blobId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
