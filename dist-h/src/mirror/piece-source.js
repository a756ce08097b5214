/**
 * One piece of a plain blob, checked before anyone gets it: from the cache (re-checked against its
 * record), a parent the scheduler picks (P2P source), the node the piece list came from, or the
 * origin; a piece that fails is reported and fetched again from the next. When the origin's bytes
 * disagree with the list, the list is wrong (its holder is reported; every further piece of that
 * fetch comes from the origin) and the piece is taken with its own digest, as is a piece whose
 * digest never came; the whole blob's sha256 decides (blob-fetch.ts).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyStoredRange } from '../chunk-verify.js';
import { ChunkUnavailableError, PeerTransferError } from '../errors.js';
import { log } from '../log.js';
export class PieceSource {
    #o;
    constructor(options) {
        this.#o = options;
    }
    /** A piece whose digest never came (the list's provider stopped): from the origin, its own digest standing in. */
    async unlisted(id, record, origin, signal) {
        const bytes = await origin.readRange(record.uncompressedOffset, record.uncompressedSize, signal);
        return this.#ownDigest(id, record, bytes);
    }
    /**
     * The origin's bytes of a piece disagree with the piece list: the list is wrong (the first time:
     * its holder is reported). The piece is taken as the origin sent it, its own digest standing in
     * for the list's until the whole blob is checked.
     */
    async #listDisagrees(id, record, bytes, provider, trust) {
        const offset = record.uncompressedOffset;
        if (!trust.wrong) {
            trust.wrong = true;
            this.#o.metrics.badPieceLists.inc();
            if (provider !== undefined)
                this.#o.peer?.scheduler.report({ parentHostId: provider.hostId, blobId: id, bytes: 0, durationMs: 0, outcome: 'BAD_DATA' });
            log.warn({ blob: id, offset, parent: provider?.hostId }, 'mirror: the origin disagrees with the piece list; the list\'s holder is reported and the rest comes from the origin');
        }
        return this.#ownDigest(id, record, bytes);
    }
    /** A piece from the origin taken with its own digest (the whole blob's sha256 decides). */
    async #ownDigest(id, record, bytes) {
        const offset = record.uncompressedOffset;
        if (bytes.length !== record.uncompressedSize)
            throw new ChunkUnavailableError(`piece at ${offset} of sha256:${id}: the origin sent ${bytes.length} of ${record.uncompressedSize} bytes`);
        const ownDigest = createHash('sha256').update(bytes).digest();
        const [verdict] = await verifyStoredRange('sha256', id, bytes, offset, [{ ...record, digest: ownDigest }]);
        if (verdict?.ok !== true)
            throw new Error(`piece at ${offset} of sha256:${id} failed its own digest`);
        this.#o.metrics.bytes.inc({ source: 'origin' }, bytes.length);
        return { bytes: verdict.chunk.data, fresh: verdict.chunk, ownDigest, source: 'origin' };
    }
    /** One piece, checked against its record: from the cache, a parent, the list's holder, or the origin. */
    async get(blob, id, record, provider, origin, signal, trust) {
        const { metrics, peer } = this.#o;
        const offset = record.uncompressedOffset;
        const length = record.uncompressedSize;
        if (blob.isReady(offset)) {
            const bytes = await blob.readChunk(record, 'sha256');
            if (bytes !== undefined) {
                metrics.bytes.inc({ source: 'cache' }, length);
                return { bytes, source: 'cache' };
            }
        }
        const check = async (bytes) => {
            const [verdict] = await verifyStoredRange('sha256', id, bytes, offset, [record]);
            return verdict?.ok === true ? verdict.chunk : undefined;
        };
        const request = {
            blobId: id,
            digest: `sha256:${id}`,
            offset,
            length,
            chunkOffsets: [offset],
            chunks: [{ uncompressedOffset: offset, compressedOffset: offset, compressedSize: length }],
            priority: 'demand',
        };
        let providerBad = trust.wrong;
        if (peer !== undefined && !trust.wrong) {
            for (let attempt = 0; attempt < (this.#o.pieceTries ?? 4); attempt++) {
                const started = Date.now();
                let answer = await peer.source.readRange(request, signal).catch((err) => {
                    if (signal.aborted)
                        throw err;
                    return undefined;
                });
                if (answer !== undefined && (answer.unserved?.length ?? 0) > 0)
                    answer = undefined;
                if (answer === undefined)
                    break;
                const chunk = await check(answer.bytes);
                if (chunk !== undefined) {
                    peer.source.report?.({ request, outcome: 'peer-ok', peer: answer.peer, bytes: length, durationMs: Date.now() - started });
                    metrics.bytes.inc({ source: 'peer' }, length);
                    return { bytes: chunk.data, fresh: chunk, source: 'peer' };
                }
                metrics.badPieces.inc();
                peer.source.report?.({ request, outcome: 'peer-bad-data', peer: answer.peer, durationMs: Date.now() - started, badChunkOffsets: [offset] });
            }
            // Declined (nobody else to ask, or a lease): the node the list came from holds every piece
            // whose digest it published; a loaded holder gets a few tries before the origin is asked.
            for (let attempt = 0; provider !== undefined && !providerBad && attempt < (this.#o.pieceTries ?? 4); attempt++) {
                if (attempt > 0)
                    await sleep(250 * attempt, undefined, { signal });
                const started = Date.now();
                try {
                    const { bytes } = await peer.client.fetchRange({ peerUrl: provider.peerUrl, blobId: id, range: { offset, length }, signal });
                    const chunk = await check(bytes);
                    if (chunk !== undefined) {
                        // Served from memory to peers pointed here meanwhile (this node may hold the piece's lease).
                        peer.source.report?.({ request, outcome: 'origin-ok', durationMs: Date.now() - started, verified: [{ uncompressedOffset: offset, compressedOffset: offset, stored: chunk.stored }] });
                        metrics.bytes.inc({ source: 'peer' }, length);
                        return { bytes: chunk.data, fresh: chunk, source: 'peer' };
                    }
                    providerBad = true;
                    metrics.badPieces.inc();
                    peer.scheduler.report({ parentHostId: provider.hostId, blobId: id, bytes: length, durationMs: Date.now() - started, outcome: 'BAD_DATA' });
                    log.warn({ blob: id, parent: provider.hostId, offset }, 'mirror: a piece from the piece list\'s holder failed verification; reported');
                }
                catch (err) {
                    if (signal.aborted)
                        throw err;
                    if (!(err instanceof PeerTransferError))
                        throw err;
                    if (err.reason === 'not_held')
                        break;
                }
            }
        }
        const started = Date.now();
        try {
            const bytes = await origin.readRange(offset, length, signal);
            const chunk = await check(bytes);
            if (chunk === undefined)
                return await this.#listDisagrees(id, record, bytes, provider, trust);
            peer?.source.report?.({ request, outcome: 'origin-ok', durationMs: Date.now() - started, verified: [{ uncompressedOffset: offset, compressedOffset: offset, stored: chunk.stored }] });
            metrics.bytes.inc({ source: 'origin' }, length);
            return { bytes: chunk.data, fresh: chunk, source: 'origin' };
        }
        catch (err) {
            peer?.source.report?.({ request, outcome: 'origin-failed', durationMs: Date.now() - started, error: err });
            throw err;
        }
    }
}
//# sourceMappingURL=piece-source.js.map