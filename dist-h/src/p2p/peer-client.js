/**
 * The P2P peer's download side, one transfer at a time: a registry-shaped blob Range GET to a
 * parent peer (peer-protocol.ts), with the cluster token, bounded in time twice — until the
 * answer starts (`firstByteTimeoutMs`, plus the in-progress wait the requester asked for) and
 * for the body (the range at `minBytesPerSecond`, plus `firstByteTimeoutMs`) — and read through
 * the host's download rate limit. Every failure is a PeerTransferError with a reason the peer
 * source turns into a scheduler report. The bytes are not verified here: the fetch path
 * verifies every chunk of them.
 */
import { Agent, request } from 'undici';
import { PeerTransferError } from '../errors.js';
import { deadline } from '../util/deadline.js';
import { PEER_HEADER, WAIT_HEADER, contentRangeMatches, peerBlobPath, pieceListPath, rangeHeader } from './peer-protocol.js';
export class PeerClient {
    #dispatcher;
    #token;
    #firstByteMs;
    #minRate;
    #limiter;
    constructor(options = {}) {
        this.#token = options.token;
        this.#firstByteMs = options.firstByteTimeoutMs ?? 2000;
        this.#minRate = options.minBytesPerSecond ?? 1_000_000;
        this.#limiter = options.limiter;
        const tls = options.tls;
        this.#dispatcher = new Agent({
            connections: 64,
            keepAliveTimeout: 20_000,
            connect: {
                timeout: this.#firstByteMs,
                ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
                ...(tls?.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : {}),
            },
        });
    }
    /** Exactly `range.length` bytes of the blob from the parent, or a PeerTransferError. */
    async fetchRange(f) {
        const url = `${f.peerUrl.replace(/\/+$/, '')}${peerBlobPath(f.blobId)}`;
        const waitMs = Math.max(0, Math.floor(f.waitMs ?? 0));
        const headers = { range: rangeHeader(f.range) };
        if (this.#token !== undefined)
            headers.authorization = `Bearer ${this.#token}`;
        if (waitMs > 0)
            headers[WAIT_HEADER] = String(waitMs);
        // Phase 1: until the answer starts. Phase 2: the body, at the minimum rate.
        const phase = new AbortController();
        let slow = false;
        let timer = setTimeout(() => phase.abort(), waitMs + this.#firstByteMs);
        // The caller's abort forwarded into the phase's controller, which the timer holds: a signal
        // from AbortSignal.any can be collected in Node 20 and never abort the request (util/deadline.ts).
        const forward = () => phase.abort(f.signal?.reason);
        if (f.signal?.aborted === true)
            forward();
        else
            f.signal?.addEventListener('abort', forward, { once: true });
        const signal = phase.signal;
        const what = `GET ${url} ${headers.range}`;
        try {
            let res;
            try {
                res = await request(url, { dispatcher: this.#dispatcher, method: 'GET', headers, signal });
            }
            catch (err) {
                if (f.signal?.aborted)
                    throw f.signal.reason;
                throw new PeerTransferError('unreachable', `${what}: ${phase.signal.aborted ? 'no answer in time' : err.message}`, { cause: err });
            }
            const status = res.statusCode;
            if (status !== 206) {
                res.body.on('error', () => { });
                res.body.destroy();
                const reason = status === 503 || status === 429 ? 'busy' : status === 404 ? 'not_held' : status === 401 || status === 403 ? 'refused' : status >= 500 ? 'unreachable' : 'bad_answer';
                throw new PeerTransferError(reason, `${what}: HTTP ${status}`);
            }
            const cr = res.headers['content-range'];
            const length = Number(res.headers['content-length']);
            if (!contentRangeMatches(Array.isArray(cr) ? cr[0] : cr, f.range) || (res.headers['content-length'] !== undefined && length !== f.range.length)) {
                res.body.on('error', () => { });
                res.body.destroy();
                throw new PeerTransferError('bad_answer', `${what}: answered another range (${String(cr)}, ${String(res.headers['content-length'])} bytes)`);
            }
            clearTimeout(timer);
            timer = setTimeout(() => {
                slow = true;
                phase.abort();
            }, this.#firstByteMs + (f.range.length / this.#minRate) * 1000);
            const bytes = Buffer.allocUnsafe(f.range.length);
            let got = 0;
            try {
                for await (const piece of res.body) {
                    if (got + piece.length > bytes.length)
                        throw new PeerTransferError('bad_answer', `${what}: more than ${f.range.length} bytes`);
                    piece.copy(bytes, got);
                    got += piece.length;
                    f.onBytes?.(piece.length);
                    await this.#limiter?.take(piece.length, signal);
                }
            }
            catch (err) {
                if (err instanceof PeerTransferError)
                    throw err;
                if (f.signal?.aborted)
                    throw f.signal.reason;
                if (slow)
                    throw new PeerTransferError('slow', `${what}: slower than ${this.#minRate} bytes/s (${got} of ${f.range.length} bytes)`);
                throw new PeerTransferError('unreachable', `${what}: body failed after ${got} bytes: ${err.message}`, { cause: err });
            }
            if (got !== f.range.length)
                throw new PeerTransferError('bad_answer', `${what}: ${got} of ${f.range.length} bytes`);
            const servedBy = res.headers[PEER_HEADER];
            return { bytes, servedBy: Array.isArray(servedBy) ? servedBy[0] : servedBy };
        }
        finally {
            clearTimeout(timer);
            f.signal?.removeEventListener('abort', forward);
        }
    }
    /**
     * The piece list of blob `blobId` from the parent (src/mirror/pieces.ts), at most `maxBytes`;
     * undefined when the parent does not hold the whole blob (404); while the parent fetches it
     * (202), the part it verified so far ({ partial }), or 'fetching' when it sent none. Unparsed:
     * the caller checks it.
     */
    async fetchPieceList(peerUrl, blobId, maxBytes, signal) {
        const url = `${peerUrl.replace(/\/+$/, '')}${pieceListPath(blobId)}`;
        const headers = {};
        if (this.#token !== undefined)
            headers.authorization = `Bearer ${this.#token}`;
        const limit = deadline(Math.ceil(this.#firstByteMs + (maxBytes / this.#minRate) * 1000), ...(signal !== undefined ? [signal] : []));
        try {
            return await this.#pieceList(url, headers, maxBytes, limit.signal, signal);
        }
        finally {
            limit.dispose();
        }
    }
    async #pieceList(url, headers, maxBytes, both, signal) {
        let res;
        try {
            res = await request(url, { dispatcher: this.#dispatcher, method: 'GET', headers, signal: both });
        }
        catch (err) {
            if (signal?.aborted)
                throw signal.reason;
            throw new PeerTransferError('unreachable', `GET ${url}: ${err.message}`, { cause: err });
        }
        const partial = res.statusCode === 202 && res.headers['content-type'] === 'application/octet-stream';
        if (res.statusCode !== 200 && !partial) {
            res.body.on('error', () => { });
            res.body.destroy();
            if (res.statusCode === 404)
                return undefined;
            if (res.statusCode === 202)
                return 'fetching';
            throw new PeerTransferError(res.statusCode === 503 ? 'busy' : res.statusCode === 401 || res.statusCode === 403 ? 'refused' : 'bad_answer', `GET ${url}: HTTP ${res.statusCode}`);
        }
        const parts = [];
        let got = 0;
        try {
            for await (const piece of res.body) {
                got += piece.length;
                if (got > maxBytes)
                    throw new PeerTransferError('bad_answer', `GET ${url}: more than ${maxBytes} bytes`);
                parts.push(piece);
            }
        }
        catch (err) {
            res.body.destroy();
            if (err instanceof PeerTransferError)
                throw err;
            if (signal?.aborted)
                throw signal.reason;
            throw new PeerTransferError('unreachable', `GET ${url}: body failed: ${err.message}`, { cause: err });
        }
        return partial ? { partial: Buffer.concat(parts) } : Buffer.concat(parts);
    }
    async close() {
        await this.#dispatcher.destroy().catch(() => undefined);
    }
}
//# sourceMappingURL=peer-client.js.map