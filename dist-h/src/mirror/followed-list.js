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
import { isComplete, parsePartialPieceList, pieceCount } from './pieces.js';
export class FollowedList {
    #o;
    #n;
    #digests;
    #stopped;
    #asking;
    #lastGrowth = Date.now();
    /** When the provider's answers started failing (undefined: the last one came). */
    #failingSince;
    constructor(o) {
        this.#o = o;
        this.#n = pieceCount(o.list.size, o.list.pieceSize);
        this.#digests = o.list.digests.slice();
        this.#stopped = o.refresh === undefined;
    }
    /** Whether every digest is known. */
    get complete() {
        return this.#digests.length === this.#n;
    }
    /** The list as known now (whole once `complete`). */
    get list() {
        return { size: this.#o.list.size, pieceSize: this.#o.list.pieceSize, digests: this.#digests };
    }
    /** Piece `index`'s digest, waiting for the provider to publish it; undefined once it stopped. */
    async digestOf(index, signal) {
        while (index >= this.#digests.length && !this.#stopped) {
            this.#asking ??= this.#ask(signal).finally(() => (this.#asking = undefined));
            await this.#asking;
            signal.throwIfAborted();
        }
        return this.#digests[index];
    }
    async #ask(signal) {
        const { refresh, blobId, list } = this.#o;
        if (Date.now() - this.#lastGrowth > (this.#o.stallMs ?? 120_000))
            return this.#stop('no progress');
        await sleep(this.#o.pollMs ?? 250, undefined, { signal }).catch(() => undefined);
        signal.throwIfAborted();
        let answer;
        try {
            answer = await refresh(signal);
        }
        catch (err) {
            if (signal.aborted)
                throw err;
            this.#failingSince ??= Date.now();
            if (Date.now() - this.#failingSince >= (this.#o.unreachableMs ?? 30_000))
                return this.#stop(describeError(err));
            return;
        }
        this.#failingSince = undefined;
        if (answer === undefined)
            return this.#stop('the provider no longer fetches the blob');
        if (answer === 'fetching')
            return;
        const next = parsePartialPieceList(Buffer.isBuffer(answer) ? answer : answer.partial, list.size);
        if (next === undefined || next.pieceSize !== list.pieceSize || (Buffer.isBuffer(answer) && !isComplete(next)))
            return this.#stop('malformed list');
        if (this.#digests.some((d, i) => i < next.digests.length && !d.equals(next.digests[i])))
            return this.#stop('the provider changed digests it published');
        if (next.digests.length > this.#digests.length) {
            this.#digests = next.digests;
            this.#lastGrowth = Date.now();
        }
        log.debug({ blob: blobId, known: this.#digests.length, of: this.#n }, 'mirror: the followed piece list grew');
    }
    #stop(why) {
        this.#stopped = true;
        log.info({ blob: this.#o.blobId, known: this.#digests.length, of: this.#n, why }, 'mirror: the piece list\'s provider stopped; the other pieces come from the origin');
    }
}
//# sourceMappingURL=followed-list.js.map