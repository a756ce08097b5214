/**
 * The peer step of a fetch job (fetch-engine.ts): offer the job's range to the P2P source, verify
 * what it serves chunk by chunk, report how it went; what it declines, fails or serves bad goes
 * on to the origin.
 */
import { verifyStoredRange } from '../chunk-verify.js';
import { SizeMismatchError, describeError } from '../errors.js';
import { log } from '../log.js';
export function reportToPeer(peer, report) {
    if (peer?.report === undefined)
        return;
    try {
        peer.report(report);
    }
    catch (err) {
        log.error({ err }, 'fetch: the peer source report callback threw');
    }
}
/** Offers the job's range to the peer; returns the chunks still needed from the origin. */
export async function offerToPeer(metrics, closed, job, peer, request, signal, settleGood) {
    const started = Date.now();
    let answer;
    try {
        answer = await peer.readRange(request, signal);
    }
    catch (err) {
        if (closed())
            throw err;
        metrics.peerRequests.inc({ outcome: 'error' });
        log.debug({ blob: job.blob.id, err: describeError(err) }, 'fetch: the peer source failed; going to the origin');
        reportToPeer(peer, { request, outcome: 'peer-error', durationMs: Date.now() - started, error: err });
        return job.chunks;
    }
    if (answer === undefined) {
        metrics.peerRequests.inc({ outcome: 'declined' });
        return job.chunks;
    }
    if (!Buffer.isBuffer(answer.bytes) || answer.bytes.length !== request.length) {
        metrics.peerRequests.inc({ outcome: 'error' });
        const error = new SizeMismatchError(`peer ${answer.peer} range of blob ${job.blob.id}`, request.length, answer.bytes?.length ?? NaN);
        reportToPeer(peer, { request, outcome: 'peer-error', peer: answer.peer, durationMs: Date.now() - started, error });
        return job.chunks;
    }
    // A partial answer: only the served chunks are verified; the others go to the origin.
    const unserved = new Set(answer.unserved ?? []);
    const served = unserved.size === 0 ? job.chunks : job.chunks.filter((c) => !unserved.has(c.uncompressedOffset));
    const missing = unserved.size === 0 ? [] : job.chunks.filter((c) => unserved.has(c.uncompressedOffset));
    if (served.length === 0) {
        metrics.peerRequests.inc({ outcome: 'declined' });
        return job.chunks;
    }
    const servedBytes = served.reduce((n, c) => n + c.compressedSize, 0);
    metrics.peerBytes.inc(servedBytes);
    const verdicts = await verifyStoredRange(job.blob.algorithm, job.blob.id, answer.bytes, request.offset, served);
    const bad = [];
    const verified = [];
    for (const v of verdicts) {
        if (v.ok) {
            settleGood(v.chunk);
            verified.push({ uncompressedOffset: v.chunk.record.uncompressedOffset, compressedOffset: v.chunk.record.compressedOffset, stored: v.chunk.stored });
        }
        else
            bad.push(v.record);
    }
    const durationMs = Date.now() - started;
    if (bad.length === 0) {
        metrics.peerRequests.inc({ outcome: 'ok' });
        metrics.fetchedBytes.inc({ priority: job.priority }, servedBytes);
        reportToPeer(peer, { request, outcome: 'peer-ok', peer: answer.peer, bytes: servedBytes, durationMs, verified });
        return missing;
    }
    metrics.peerRequests.inc({ outcome: 'bad_data' });
    metrics.verifyFailures.inc({ source: 'peer' }, bad.length);
    log.warn({ blob: job.blob.id, peer: answer.peer, offsets: bad.map((c) => c.uncompressedOffset) }, 'fetch: a peer served chunks that failed verification');
    reportToPeer(peer, {
        request,
        outcome: 'peer-bad-data',
        peer: answer.peer,
        bytes: servedBytes,
        durationMs,
        badChunkOffsets: bad.map((c) => c.uncompressedOffset),
        verified,
    });
    return [...bad, ...missing].sort((a, b) => a.compressedOffset - b.compressedOffset);
}
//# sourceMappingURL=peer-offer.js.map