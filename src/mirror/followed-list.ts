/**
 * The piece list a follower goes by, which may still be partial: the peer it came from (the
 * scheduler's holder of piece 0, or the leader it named in progress) is still fetching the blob
 * and publishes the digests of its first pieces as it verifies them. `digestOf(i)` gives piece
 * i's digest once the provider has published it, asking the provider again while it keeps
 * growing its list; undefined when the provider stops publishing (its fetch failed or ended
 * without the whole blob, it failed to answer for `unreachableMs`, or it made no progress for
 * `stallMs`): that piece
 * and every later one then come from the origin, and the whole blob's sha256 decides.
 *
 * A digest from a partial list is vouched for only by its provider, as a whole list is; what
 * checks it is the whole blob's sha256 at the end. A provider whose newer answer contradicts a
 * digest it published before is treated as having stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import { log } from '../log.js';
import type { PieceListAnswer } from '../p2p/peer-protocol.js';
import { isComplete, parsePartialPieceList, pieceCount, type PieceList } from './pieces.js';

export interface FollowedListOptions {
  blobId: string;
  list: PieceList;
  /** Asks the provider for its list again; absent when the list is complete or has no provider. */
  refresh?: (signal: AbortSignal) => Promise<PieceListAnswer>;
  /** Longest wait for the provider's next digest (default 120 000 ms). */
  stallMs?: number;
  /** Pause between two asks (default 250 ms). */
  pollMs?: number;
  /**
   * How long the provider may fail to answer (each ask has its deadline) before it counts as
   * gone (default 30 000 ms): a loaded leader answers late now and then, a dead one never.
   */
  unreachableMs?: number;
}

export class FollowedList {
  readonly #o: FollowedListOptions;
  readonly #n: number;
  #digests: Buffer[];
  #stopped: boolean;
  #asking: Promise<void> | undefined;
  #lastGrowth = Date.now();
  /** When the provider's answers started failing (undefined: the last one came). */
  #failingSince: number | undefined;

  constructor(o: FollowedListOptions) {
    this.#o = o;
    this.#n = pieceCount(o.list.size, o.list.pieceSize);
    this.#digests = o.list.digests.slice();
    this.#stopped = o.refresh === undefined;
  }

  /** Whether every digest is known. */
  get complete(): boolean {
    return this.#digests.length === this.#n;
  }

  /** The list as known now (whole once `complete`). */
  get list(): PieceList {
    return { size: this.#o.list.size, pieceSize: this.#o.list.pieceSize, digests: this.#digests };
  }

  /** Piece `index`'s digest, waiting for the provider to publish it; undefined once it stopped. */
  async digestOf(index: number, signal: AbortSignal): Promise<Buffer | undefined> {
    while (index >= this.#digests.length && !this.#stopped) {
      this.#asking ??= this.#ask(signal).finally(() => (this.#asking = undefined));
      await this.#asking;
      signal.throwIfAborted();
    }
    return this.#digests[index];
  }

  async #ask(signal: AbortSignal): Promise<void> {
    const { refresh, blobId, list } = this.#o;
    if (Date.now() - this.#lastGrowth > (this.#o.stallMs ?? 120_000)) return this.#stop('no progress');
    await sleep(this.#o.pollMs ?? 250, undefined, { signal }).catch(() => undefined);
    signal.throwIfAborted();
    let answer: PieceListAnswer;
    try {
      answer = await refresh!(signal);
    } catch (err) {
      if (signal.aborted) throw err;
      this.#failingSince ??= Date.now();
      if (Date.now() - this.#failingSince >= (this.#o.unreachableMs ?? 30_000)) return this.#stop(describeError(err));
      return;
    }
    this.#failingSince = undefined;
    if (answer === undefined) return this.#stop('the provider no longer fetches the blob');
    if (answer === 'fetching') return;
    const next = parsePartialPieceList(Buffer.isBuffer(answer) ? answer : answer.partial, list.size);
    if (next === undefined || next.pieceSize !== list.pieceSize || (Buffer.isBuffer(answer) && !isComplete(next))) return this.#stop('malformed list');
    if (this.#digests.some((d, i) => i < next.digests.length && !d.equals(next.digests[i]!))) return this.#stop('the provider changed digests it published');
    if (next.digests.length > this.#digests.length) {
      this.#digests = next.digests;
      this.#lastGrowth = Date.now();
    }
    log.debug({ blob: blobId, known: this.#digests.length, of: this.#n }, 'mirror: the followed piece list grew');
  }

  #stop(why: string): void {
    this.#stopped = true;
    log.info({ blob: this.#o.blobId, known: this.#digests.length, of: this.#n, why }, 'mirror: the piece list\'s provider stopped; the other pieces come from the origin');
  }
}
