/**
 * Keeps the scheduler's view of this node's holdings in step with the cache: every chunk that
 * becomes ready (fetched from the origin or a peer, verified, synced) is announced; chunks found
 * bad on disk, and blobs removed by gc, are withdrawn. The scheduler client coalesces and
 * batches these, and replaces them with a full `heldChunks()` listing after a re-registration.
 */
import type { BlobCache, CacheEvent } from '../cache/types.js';
import { log } from '../log.js';
import type { SchedulerClient } from './scheduler-client.js';

export type AnnouncePort = Pick<SchedulerClient, 'announce' | 'withdraw'>;

export class Announcer {
  /** blob id → offsets announced (so a removed blob can be withdrawn chunk by chunk). */
  readonly #held = new Map<string, Set<number>>();
  readonly #unsubscribe: () => void;

  private constructor(
    readonly cache: BlobCache,
    readonly scheduler: AnnouncePort,
  ) {
    this.#unsubscribe = cache.onChange((event) => this.#onChange(event));
  }

  /** Subscribes to the cache, then learns what it already holds. */
  static async start(cache: BlobCache, scheduler: AnnouncePort): Promise<Announcer> {
    const announcer = new Announcer(cache, scheduler);
    for await (const { blobId, offsets } of cache.heldChunks()) {
      let set = announcer.#held.get(blobId);
      if (set === undefined) announcer.#held.set(blobId, (set = new Set()));
      for (const o of offsets) set.add(o);
    }
    return announcer;
  }

  #onChange(event: CacheEvent): void {
    try {
      if (event.type === 'ready') {
        let set = this.#held.get(event.blobId);
        if (set === undefined) this.#held.set(event.blobId, (set = new Set()));
        for (const o of event.offsets) set.add(o);
        this.scheduler.announce(event.blobId, event.offsets);
      } else if (event.type === 'invalidated') {
        const set = this.#held.get(event.blobId);
        for (const o of event.offsets) set?.delete(o);
        this.scheduler.withdraw(event.blobId, event.offsets);
      } else {
        const set = this.#held.get(event.blobId);
        this.#held.delete(event.blobId);
        if (set !== undefined && set.size > 0) this.scheduler.withdraw(event.blobId, [...set]);
      }
    } catch (err) {
      log.error({ err: (err as Error).message, event: event.type }, 'p2p: could not queue an announcement');
    }
  }

  close(): void {
    this.#unsubscribe();
  }
}
