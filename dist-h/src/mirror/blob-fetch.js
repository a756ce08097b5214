/**
 * A plain blob (OCI layer, file) of known digest and size, fetched through the peer network in
 * pieces and handed out in order as the pieces arrive. Per node and blob:
 *
 *   piece list here and pieces ready          → served from the cache (each piece re-checked)
 *   scheduler: nobody holds it (lease / source)→ LEAD: the whole blob from the origin, each piece
 *                                                digested as it passes, committed (ready →
 *                                                announced: peers may take it) and its digest
 *                                                published in this node's partial piece list;
 *                                                the blob's sha256 checked before the last piece
 *                                                goes out; then the whole piece list is written
 *                                                (the blob is held). A mismatch invalidates the
 *                                                pieces committed.
 *   scheduler: parents                         → FOLLOW: the piece list from a parent — whole, or
 *                                                partial while the parent still fetches the blob
 *                                                (followed-list.ts: piece i waits for its digest)
 *                                                — then every piece through the P2P source (the
 *                                                scheduler picks the parent), checked against the
 *                                                list before it goes out and committed (so this
 *                                                node passes it on); a bad piece is reported and
 *                                                fetched again elsewhere (another parent, the
 *                                                list's holder, the origin); a piece whose digest
 *                                                never comes comes from the origin; the blob's
 *                                                sha256 is checked before the last piece goes out
 *                                                and before the list is written (held). A mismatch
 *                                                invalidates the pieces committed, reports the
 *                                                list's provider, and this node's next fetch of
 *                                                the blob reads it whole from the origin.
 *
 * A piece list can only be proven right by the whole blob. When the origin's bytes for a piece
 * disagree with the list, the list is wrong: its holder is reported, and the rest of the pieces
 * come from the origin alone (a list that lies about one piece may vouch for a colluding peer's
 * altered bytes on others); the blob's sha256 still decides, and what is kept is the list of the
 * bytes that passed it. Only a list whose other entries match altered bytes that were already
 * handed out can still fail the pull (at the end, before the last piece).
 *
 * A byte range (a client's Range request) takes only the pieces it overlaps when a piece list is
 * known (each checked against it; nothing is committed, since the blob was not checked whole);
 * without one this node leads the whole blob, so that it can be checked, and hands out the range.
 *
 * Pieces are chunks stored raw (pieces.ts), so the cache, the peer server, the announcer and the
 * scheduler need nothing new. One fetch per blob per node: a second request for a blob being
 * fetched waits for it and then reads the cache.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyStoredRange } from '../chunk-verify.js';
import { ChunkUnavailableError, DigestMismatchError, describeError } from '../errors.js';
import { log } from '../log.js';
import { FollowedList } from './followed-list.js';
import { PieceSource } from './piece-source.js';
import { isComplete, maxPieceListBytes, parsePartialPieceList, parsePieceList, pieceCount, pieceExtent } from './pieces.js';
/** The part of `bytes` (found at `at` in the blob) that lies within `range`. */
function within(bytes, at, range) {
    const from = Math.max(0, range.offset - at);
    const to = Math.min(bytes.length, range.offset + range.length - at);
    return to > from ? bytes.subarray(from, to) : bytes.subarray(0, 0);
}
export class PlainBlobFetcher {
    #o;
    #pieces;
    #running = new Map();
    /** Blobs whose pieces from peers did not make the blob: the next fetch reads them from the origin. */
    #originOnly = new Set();
    constructor(options) {
        this.#o = options;
        this.#pieces = new PieceSource({ metrics: options.metrics, ...(options.peer !== undefined ? { peer: options.peer } : {}), ...(options.pieceTries !== undefined ? { pieceTries: options.pieceTries } : {}) });
    }
    /**
     * The bytes of blob `digest` (`sha256:<hex>`, `size` bytes), in order, every one checked as
     * described above; rejects (after some bytes, possibly) when the blob cannot be had whole and
     * right: a DigestMismatchError when the origin's bytes do not match the digest. With `range`
     * (within the blob, not empty), only those bytes.
     */
    async *fetch(digest, size, origin, signal, range) {
        const id = digest.slice('sha256:'.length);
        for (let other = this.#running.get(id); other !== undefined; other = this.#running.get(id))
            await other;
        let done;
        this.#running.set(id, new Promise((resolve) => (done = resolve)));
        let lease;
        try {
            lease = await this.#o.cache.acquire({ id, compressedSize: size, uncompressedSize: size });
            const local = await this.#o.pieceLists.get(id, size);
            if (local !== undefined) {
                yield* this.#follow(lease.blob, id, new FollowedList({ blobId: id, list: local }), undefined, origin, signal, range);
                return;
            }
            const found = this.#originOnly.has(id) ? { leased: false } : await this.#findList(id, size, signal, range === undefined);
            if (found.list !== undefined) {
                yield* this.#follow(lease.blob, id, this.#followed(id, found.list, found.provider), found.provider, origin, signal, range);
            }
            else if (range === undefined) {
                yield* this.#lead(lease.blob, id, size, origin, signal, found.leased);
            }
            else {
                let at = 0;
                for await (const piece of this.#lead(lease.blob, id, size, origin, signal, found.leased)) {
                    const part = within(piece, at, range);
                    at += piece.length;
                    if (part.length > 0)
                        yield part;
                }
            }
        }
        finally {
            this.#running.delete(id);
            done();
            await lease?.release();
        }
    }
    /** The list to follow: a partial one grows as its provider publishes more digests. */
    #followed(id, list, provider) {
        const peer = this.#o.peer;
        if (isComplete(list) || provider === undefined || peer === undefined)
            return new FollowedList({ blobId: id, list });
        return new FollowedList({
            blobId: id,
            list,
            refresh: (signal) => peer.client.fetchPieceList(provider.peerUrl, id, maxPieceListBytes(list.size), signal),
            ...(this.#o.listWaitMs !== undefined ? { stallMs: this.#o.listWaitMs } : {}),
        });
    }
    /**
     * Whether a parent has the piece list (then follow it), or this node leads (`leased`: it holds
     * the scheduler's lease of piece 0). With `partial`, the list of a parent still fetching the
     * blob is taken too (its first pieces can be had at once; the rest as the parent gets them).
     */
    async #findList(id, size, signal, partial) {
        const peer = this.#o.peer;
        if (peer === undefined)
            return { leased: false };
        const until = Date.now() + (this.#o.listWaitMs ?? 120_000);
        // A loaded scheduler misses a call's deadline now and then, and its client then answers "no
        // P2P" at once while it reconnects: that alone must not send a whole blob to the origin.
        const patience = Date.now() + (this.#o.schedulerWaitMs ?? 10_000);
        const bad = new Set();
        // A parent that said it is fetching the blob: waited for even after its lease ran out (a large
        // blob may take longer than the lease), while it keeps saying so.
        let leader;
        while (Date.now() < until && !signal.aborted) {
            const answer = await peer.scheduler.resolve(id, [0], { exclude: [...bad], signal });
            const group = answer.groups[0];
            log.debug({ blob: id, p2p: answer.p2p, decision: group?.decision }, 'mirror: who has the blob');
            const unanswered = !answer.p2p || group === undefined;
            // Without the scheduler: a leader seen before is asked directly; else wait a while for it.
            if (unanswered && leader === undefined && Date.now() >= patience)
                return { leased: false };
            if (!unanswered && group.decision === 'SOURCE')
                return { leased: false };
            const parents = !unanswered && group.decision === 'PARENTS' ? group.parents : leader !== undefined ? [leader] : [];
            if (parents.length === 0 && !unanswered)
                return { leased: true };
            let fetching;
            let leaderGone = false;
            for (const parent of parents) {
                try {
                    const got = await peer.client.fetchPieceList(parent.peerUrl, id, maxPieceListBytes(size), signal);
                    if (got === undefined) {
                        leaderGone ||= parent === leader;
                        continue;
                    }
                    if (got === 'fetching' || (!Buffer.isBuffer(got) && !partial)) {
                        fetching ??= parent;
                        continue;
                    }
                    const list = Buffer.isBuffer(got) ? parsePieceList(got, size) : parsePartialPieceList(got.partial, size);
                    if (list !== undefined) {
                        if (!unanswered && group.decision === 'BACK_TO_SOURCE')
                            peer.scheduler.withdraw(id, [0]);
                        return { list, provider: parent, leased: false };
                    }
                    bad.add(parent.hostId);
                    log.warn({ blob: id, parent: parent.hostId }, 'mirror: a parent sent a malformed piece list; asking another');
                }
                catch (err) {
                    if (signal.aborted)
                        throw err;
                    log.debug({ blob: id, parent: parent.hostId, err: describeError(err) }, 'mirror: no piece list from a parent');
                }
            }
            if (!unanswered && group.decision === 'BACK_TO_SOURCE') {
                if (fetching === undefined)
                    return { leased: true };
                // The leader is still at it: give the lease back and keep waiting for its list.
                peer.scheduler.withdraw(id, [0]);
            }
            if (!unanswered || fetching !== undefined || leaderGone)
                leader = fetching;
            // The parents are still fetching the blob (in progress): ask again shortly.
            await sleep(250, undefined, { signal }).catch(() => undefined);
        }
        signal.throwIfAborted();
        return { leased: false };
    }
    async *#lead(blob, id, size, origin, signal, leased) {
        const { pieceSize, metrics } = this.#o;
        const n = pieceCount(size, pieceSize);
        const whole = createHash('sha256');
        const digests = [];
        const committed = [];
        let held = false;
        const progress = this.#o.pieceLists.fetching(id, size, pieceSize);
        try {
            let piece = Buffer.allocUnsafe(pieceExtent(size, pieceSize, 0).length);
            let fill = 0;
            let last;
            const stream = await origin.stream(signal);
            for await (const data of stream) {
                let at = 0;
                while (at < data.length) {
                    if (digests.length >= n)
                        throw new DigestMismatchError(`blob sha256:${id}`, `${size} bytes`, 'more bytes');
                    const take = Math.min(piece.length - fill, data.length - at);
                    data.copy(piece, fill, at, at + take);
                    fill += take;
                    at += take;
                    if (fill < piece.length)
                        continue;
                    const index = digests.length;
                    const record = this.#record(size, pieceSize, index, createHash('sha256').update(piece).digest());
                    digests.push(Buffer.from(record.digest));
                    whole.update(piece);
                    metrics.bytes.inc({ source: 'origin' }, piece.length);
                    const [verdict] = await verifyStoredRange('sha256', id, piece, record.compressedOffset, [record]);
                    if (verdict?.ok !== true)
                        throw new Error(`piece ${index} of sha256:${id} failed its own digest`);
                    if (index < n - 1) {
                        // Ready (announced) and published before the blob is whole: peers take it now and
                        // check it against this digest; the whole blob's sha256 decides at the end.
                        await this.#commit(blob, verdict.chunk, committed);
                        progress.known(digests);
                        yield piece;
                        piece = Buffer.allocUnsafe(pieceExtent(size, pieceSize, index + 1).length);
                        fill = 0;
                    }
                    else
                        last = verdict.chunk;
                }
            }
            if (last === undefined)
                throw new ChunkUnavailableError(`blob sha256:${id}: the origin sent ${digests.length} of ${n} pieces`);
            const actual = whole.digest('hex');
            if (actual !== id)
                throw new DigestMismatchError(`blob from the origin`, `sha256:${id}`, `sha256:${actual}`);
            await this.#commit(blob, last, committed);
            await this.#o.pieceLists.put(id, { size, pieceSize, digests });
            held = true;
            metrics.blobs.inc({ role: 'lead' });
            yield last.data;
        }
        finally {
            progress.end();
            if (!held) {
                await blob.invalidate(committed).catch(() => undefined);
                if (leased)
                    this.#o.peer?.scheduler.withdraw(id, [0]);
            }
        }
    }
    /** Makes one verified piece ready in the cache (announced: peers may take it). */
    async #commit(blob, chunk, committed) {
        const writer = blob.add();
        try {
            await writer.writeAll([chunk]);
            await writer.commit();
            committed.push(chunk.record.uncompressedOffset);
        }
        catch (err) {
            writer.abort();
            throw err;
        }
    }
    async *#follow(blob, id, followed, provider, origin, signal, range) {
        const { size, pieceSize } = followed.list;
        const n = pieceCount(size, pieceSize);
        const whole = createHash('sha256');
        const stop = new AbortController();
        const both = AbortSignal.any([signal, stop.signal]);
        const pending = [];
        const trust = { wrong: false };
        const corrected = new Map();
        const committed = [];
        const first = range === undefined ? 0 : Math.floor(range.offset / pieceSize);
        const end = range === undefined ? n : Math.ceil((range.offset + range.length) / pieceSize);
        // Peers are offered the digests of the pieces committed here, in order from the first (a
        // range commits nothing, so offers nothing).
        const progress = range === undefined ? this.#o.pieceLists.fetching(id, size, pieceSize) : undefined;
        const ready = new Set();
        let offered = 0;
        const offer = (index) => {
            ready.add(index);
            while (ready.has(offered))
                offered += 1;
            progress?.known(followed.list.digests.slice(0, offered));
        };
        let next = first;
        let fresh = 0;
        let held = false;
        const start = () => {
            const index = next++;
            const p = (async () => {
                const digest = await followed.digestOf(index, both);
                // The digest came from a partial list: its provider had not got the whole blob yet.
                const early = digest !== undefined && !followed.complete;
                const record = this.#record(size, pieceSize, index, digest ?? Buffer.alloc(32));
                const got = digest === undefined ? await this.#pieces.unlisted(id, record, origin, both) : await this.#pieces.get(blob, id, record, provider, origin, both, trust);
                if (early)
                    this.#o.metrics.partialListPieces.inc({ source: got.source });
                if (range === undefined && got.fresh !== undefined)
                    await this.#commit(blob, got.fresh, committed);
                // A corrected piece (the origin's own digest) is not offered: its digest is not the list's.
                if (got.ownDigest === undefined)
                    offer(index);
                return got;
            })();
            p.catch(() => undefined);
            pending.push(p);
        };
        try {
            const window = Math.max(1, this.#o.parallelPieces ?? 4);
            while (next < end && pending.length < window)
                start();
            if (range !== undefined) {
                // Part of the blob: every piece checked against the list; nothing counts as held.
                for (let i = first; i < end; i++) {
                    const got = await pending.shift();
                    if (next < end)
                        start();
                    yield within(got.bytes, i * pieceSize, range);
                }
                return;
            }
            let last;
            for (let i = 0; i < n; i++) {
                const got = await pending.shift();
                if (next < n)
                    start();
                if (got.ownDigest !== undefined)
                    corrected.set(i, got.ownDigest);
                if (got.fresh !== undefined)
                    fresh += 1;
                whole.update(got.bytes);
                if (i < n - 1)
                    yield got.bytes;
                else
                    last = got.bytes;
            }
            const actual = whole.digest('hex');
            if (actual !== id) {
                // Pieces from peers checked against digests that did not make the blob: whoever vouched
                // for the list is reported, and this node's next fetch reads the blob from the origin.
                if (provider !== undefined && !trust.wrong)
                    this.#o.peer?.scheduler.report({ parentHostId: provider.hostId, blobId: id, bytes: 0, durationMs: 0, outcome: 'BAD_DATA' });
                if (provider !== undefined)
                    this.#originOnly.add(id);
                throw new DigestMismatchError(`blob assembled from its piece list${provider !== undefined ? ` (list from ${provider.hostId})` : ''}`, `sha256:${id}`, `sha256:${actual}`);
            }
            const list = followed.list;
            // The list of the bytes that passed the blob's digest, not the wrong one received.
            if (fresh > 0)
                await this.#o.pieceLists.put(id, { size, pieceSize, digests: Array.from({ length: n }, (_, i) => corrected.get(i) ?? list.digests[i]) });
            held = true;
            this.#originOnly.delete(id);
            this.#o.metrics.blobs.inc({ role: fresh > 0 ? 'follow' : 'cached' });
            yield last;
        }
        finally {
            stop.abort();
            progress?.end();
            if (!held)
                await blob.invalidate(committed).catch(() => undefined);
        }
    }
    #record(size, pieceSize, index, digest) {
        const { offset, length } = pieceExtent(size, pieceSize, index);
        return { blobIndex: 0, compressedOffset: offset, compressedSize: length, uncompressedOffset: offset, uncompressedSize: length, flags: 0, digest };
    }
}
//# sourceMappingURL=blob-fetch.js.map