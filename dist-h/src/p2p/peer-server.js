/**
 * The P2P peer's upload side: an HTTP(S) server inside the daemon that serves other peers the
 * compressed (stored) byte ranges of blobs this node's cache holds, in the shape of a registry
 * blob Range GET (wire rules: peer-protocol.ts). A request flows:
 *
 *   token (401) → path and Range (400) → upload cap (503) → cache.acquireExisting(blob)
 *   → every byte of the range in ready, verified chunks (else 404), looked at piece by piece →
 *   206 + Content-Range, streamed: read READ_PIECE bytes from the cache, write them in 64 KiB
 *   steps through the upload rate limit, read the next piece. An upload holds one piece in
 *   memory whatever the range's length, and its requester must keep a minimum pace
 *   (upload-pace.ts) or lose its slot.
 *
 * In-progress chunks: a requester that the scheduler pointed here while this node fetches the
 * chunks — from the origin (it holds the back-to-source lease) or from its own in-progress
 * parent (it is a relay of the cascade) — says so (`X-Darner-Wait-Ms`); its request is held
 * until the range is ready (cache `ready` events and verified bytes in PendingChunks wake it),
 * this node's fetch of the blob ended without it,
 * or the wait (capped by `maxWaitMs`) runs out — then 404, and the requester moves on. Held
 * requests do not use upload slots while they wait (they send nothing); they take one when
 * their bytes are there, queueing for it within their wait.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ConfigError, PeerTransferError } from '../errors.js';
import { log } from '../log.js';
import { deadline } from '../util/deadline.js';
import { formatHostPort } from './address.js';
import { PEER_HEADER, WAIT_HEADER, blobIdOfPath, blobIdOfPieceListPath, contentRange, parseRangeHeader, parseWaitMs, tokenAccepted } from './peer-protocol.js';
import { peerMetrics } from './peer-metrics.js';
import { RateLimiter } from './rate-limit.js';
import { UploadPace } from './upload-pace.js';
import { UploadSlots } from './upload-slots.js';
/** Why a peer server without a token or mTLS does not start, and the ways out. */
export const UNAUTHENTICATED_PEER = 'p2p: the peer server needs the cluster token (p2p.token_file, --peer-token-file or DARNER_PEER_TOKEN) or mTLS (p2p.tls_ca) — without either anyone who reaches it reads cached image bytes; set p2p.insecure = true (--peer-insecure) to serve without authentication anyway';
/** Bytes written per step (and per rate-limit reservation). */
const WRITE_STEP = 64 * 1024;
/**
 * Bytes of a range read from the cache at once: what one upload holds in memory (a pending
 * chunk served before its disk sync is taken whole, up to the chunk size).
 */
export const READ_PIECE = 1 << 20;
export class PeerServer {
    #options;
    #server;
    #slots;
    #upload;
    #metrics;
    #maxWaitMs;
    #maxRangeBytes;
    #graceMs;
    /** blob id → wake-ups of requests held for it. */
    #held = new Map();
    #unsubscribe = [];
    #waiting = 0;
    #uploadedBytes = 0;
    /** Bytes read for uploads and not yet handed to their sockets: now, and the most at once. */
    #buffered = 0;
    #bufferedPeak = 0;
    #closing = new AbortController();
    #address = '';
    constructor(options) {
        this.#options = options;
        this.#slots = new UploadSlots(options.maxUploads ?? 16);
        this.#upload = new RateLimiter(options.uploadBytesPerSecond ?? 0);
        this.#maxWaitMs = options.maxWaitMs ?? 30_000;
        this.#maxRangeBytes = options.maxRangeBytes ?? 64 << 20;
        this.#graceMs = options.noFetchGraceMs ?? 2000;
        this.#metrics = peerMetrics(options.metrics, () => ({ active: this.#slots.active, waiting: this.#waiting, buffered: this.#buffered }));
        const handler = (req, res) => {
            this.#handle(req, res).catch((err) => {
                log.error({ err: err.message, url: req.url }, 'peer server: request failed');
                this.#metrics.uploads.inc({ outcome: 'error' });
                if (!res.headersSent)
                    this.#answer(res, 500, 'internal error');
                else
                    res.destroy();
            });
        };
        this.#server = options.tls !== undefined
            ? createHttpsServer({
                cert: options.tls.cert,
                key: options.tls.key,
                ...(options.tls.ca !== undefined ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
            }, handler)
            : createHttpServer(handler);
        this.#server.keepAliveTimeout = 30_000;
        this.#unsubscribe.push(options.cache.onChange((event) => this.#wake(event.blobId)));
        if (options.inboundFetches !== undefined)
            this.#unsubscribe.push(options.inboundFetches.onEnd((blobId) => this.#wake(blobId)));
    }
    /** Starts listening; resolves once bound. */
    static async start(options) {
        const authenticated = options.token !== undefined || options.tls?.ca !== undefined;
        if (!authenticated && options.insecure !== true)
            throw new ConfigError(UNAUTHENTICATED_PEER);
        const server = new PeerServer(options);
        await new Promise((resolve, reject) => {
            server.#server.once('error', reject);
            server.#server.listen(options.port, options.host, () => {
                server.#server.off('error', reject);
                resolve();
            });
        });
        const bound = server.#server.address();
        server.#address = formatHostPort({ host: options.host, port: bound.port });
        log.info({ address: server.#address, tls: options.tls !== undefined, maxUploads: server.#slots.capacity }, 'peer server listening');
        if (!authenticated)
            log.warn({ address: server.#address }, 'peer server: serving WITHOUT authentication (p2p.insecure): anyone who reaches this address can read the cached bytes of every image on this node');
        return server;
    }
    /** host:port actually bound. */
    get address() {
        return this.#address;
    }
    get port() {
        return this.#server.address().port;
    }
    /** Uploads sending bytes now and the running total of bytes uploaded (for heartbeats). */
    load() {
        return { currentUploads: this.#slots.active, uploadedBytes: this.#uploadedBytes };
    }
    /** Bytes read for uploads and not yet written to their sockets: now, and the most at once since start. */
    buffered() {
        return { now: this.#buffered, peak: this.#bufferedPeak };
    }
    /** Stops accepting, ends held requests and open connections. */
    async close() {
        this.#closing.abort();
        for (const fn of this.#unsubscribe)
            fn();
        for (const set of this.#held.values())
            for (const wake of set)
                wake();
        const closed = new Promise((resolve) => this.#server.close(() => resolve()));
        this.#server.closeAllConnections();
        await closed;
    }
    #wake(blobId) {
        const set = this.#held.get(blobId);
        if (set === undefined)
            return;
        for (const wake of [...set])
            wake();
    }
    #answer(res, status, message, headers = {}) {
        const body = `${message}\n`;
        res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)), ...headers });
        res.end(body);
    }
    #refuse(res, status, reason, message, headers = {}) {
        this.#metrics.uploads.inc({ outcome: reason });
        if (reason !== 'bad_request')
            this.#metrics.uploadsRefused.inc({ reason });
        this.#answer(res, status, message, headers);
    }
    async #handle(req, res) {
        if (!tokenAccepted(req.headers.authorization, this.#options.token)) {
            return this.#refuse(res, 401, 'unauthorized', 'a valid cluster token is required', { 'www-authenticate': 'Bearer realm="darner-peer"' });
        }
        if (req.method !== 'GET')
            return this.#refuse(res, 405, 'bad_request', 'only GET', { allow: 'GET' });
        const path = (req.url ?? '/').split('?')[0];
        const listOf = blobIdOfPieceListPath(path);
        if (listOf !== undefined) {
            const list = await this.#options.pieceList?.(listOf);
            if (list === undefined)
                return this.#refuse(res, 404, 'not_held', 'this peer does not hold that blob entirely');
            if (list === 'fetching')
                return this.#answer(res, 202, 'this peer is fetching that blob; its piece list comes once it is verified');
            if (!Buffer.isBuffer(list)) {
                // Still fetching: the digests of the pieces verified so far.
                res.writeHead(202, { 'content-type': 'application/octet-stream', 'content-length': String(list.partial.length), [PEER_HEADER]: this.#options.hostId });
                res.end(list.partial);
                return;
            }
            res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(list.length), [PEER_HEADER]: this.#options.hostId });
            res.end(list);
            return;
        }
        const blobId = blobIdOfPath(path);
        if (blobId === undefined)
            return this.#refuse(res, 404, 'bad_request', 'no such blob path');
        const range = parseRangeHeader(req.headers.range);
        if (range === undefined)
            return this.#refuse(res, 400, 'bad_request', 'a Range: bytes=a-b header is required');
        if (range.length > this.#maxRangeBytes)
            return this.#refuse(res, 400, 'bad_request', `ranges are limited to ${this.#maxRangeBytes} bytes`);
        const waitMs = parseWaitMs(req.headers[WAIT_HEADER], this.#maxWaitMs);
        if (waitMs === 0 && !this.#slots.tryAcquire()) {
            return this.#refuse(res, 503, 'busy', 'upload capacity reached', { 'retry-after': '1' });
        }
        if (waitMs > 0 && this.#waiting >= (this.#options.maxWaiting ?? 256)) {
            return this.#refuse(res, 503, 'busy', 'too many requests waiting', { 'retry-after': '1' });
        }
        let slot = waitMs === 0;
        // The request's life: its wait, the client going away, the server closing.
        const gone = new AbortController();
        const onClose = () => gone.abort();
        res.once('close', onClose);
        const wait = deadline(waitMs + 1, gone.signal, this.#closing.signal);
        const signal = wait.signal;
        let lease;
        let firstBytes = 0;
        try {
            const found = await this.#find(blobId, range.offset, range.length, waitMs, signal);
            if (found.status === 'outside')
                return this.#refuse(res, 416, 'bad_request', 'range not within the blob', { 'content-range': `bytes */${found.size}` });
            if (found.status !== 'held')
                return this.#refuse(res, 404, 'not_held', 'this peer does not hold that range');
            lease = found.lease;
            // A first piece read while looking is kept for sending (the range is that one piece).
            firstBytes = found.first?.length ?? 0;
            this.#hold(firstBytes);
            if (!slot) {
                slot = await this.#slots.acquire(signal);
                if (!slot)
                    return this.#refuse(res, 503, 'busy', 'upload capacity reached', { 'retry-after': '1' });
            }
            await this.#send(res, found.lease, blobId, range, found.size, found.first, gone.signal);
        }
        finally {
            wait.dispose();
            res.off('close', onClose);
            this.#buffered -= firstBytes;
            if (slot)
                this.#slots.release();
            await lease?.release();
        }
    }
    /**
     * Whether this node holds all of the range, waiting for it up to `waitMs`; `first` holds its
     * bytes when one piece covers it (larger ranges are read again as they are sent).
     */
    async #find(blobId, offset, length, waitMs, signal) {
        const started = Date.now();
        let lease;
        let counted = false;
        try {
            for (;;) {
                // Register the wake-up before looking, so an event between the look and the wait is not lost.
                let wake;
                const woken = new Promise((resolve) => (wake = resolve));
                let set = this.#held.get(blobId);
                if (set === undefined)
                    this.#held.set(blobId, (set = new Set()));
                set.add(wake);
                try {
                    lease ??= await this.#options.cache.acquireExisting(blobId);
                    if (lease !== undefined) {
                        const size = lease.blob.compressedSize;
                        if (offset + length > size)
                            return { status: 'outside', size };
                        const look = await this.#holds(lease, blobId, offset, length);
                        if (look.held) {
                            const held = { status: 'held', lease, first: look.first, size };
                            lease = undefined;
                            return held;
                        }
                    }
                    const elapsed = Date.now() - started;
                    const fetching = this.#options.inboundFetches?.active(blobId) ?? false;
                    if (waitMs === 0 || signal.aborted || elapsed >= waitMs || (!fetching && elapsed >= this.#graceMs))
                        return { status: 'absent' };
                    if (!counted) {
                        counted = true;
                        this.#waiting += 1;
                    }
                    // Wake on the blob's next cache change or fetch end; look again at least every
                    // 250 ms (a fetch that starts here after the requester arrived sends no event).
                    await new Promise((resolve) => {
                        const timer = setTimeout(resolve, 250);
                        const done = () => {
                            clearTimeout(timer);
                            signal.removeEventListener('abort', done);
                            resolve();
                        };
                        void woken.then(done);
                        signal.addEventListener('abort', done, { once: true });
                    });
                }
                finally {
                    set.delete(wake);
                    if (set.size === 0 && this.#held.get(blobId) === set)
                        this.#held.delete(blobId);
                }
            }
        }
        finally {
            if (counted)
                this.#waiting -= 1;
            await lease?.release();
        }
    }
    /** Up to READ_PIECE bytes of the range from `at`: the cache's, else a pending chunk starting there. */
    async #readPiece(lease, blobId, at, end) {
        const stored = await lease.blob.readStoredRange(at, Math.min(READ_PIECE, end - at));
        if (stored !== undefined)
            return stored;
        const pending = this.#options.pending?.chunkAt(blobId, at);
        return pending !== undefined && pending.length > 0 && at + pending.length <= end ? pending : undefined;
    }
    /** Reads the range piece by piece, keeping none but a first piece that covers all of it. */
    async #holds(lease, blobId, offset, length) {
        const end = offset + length;
        for (let at = offset; at < end;) {
            const piece = await this.#readPiece(lease, blobId, at, end);
            if (piece === undefined)
                return { held: false };
            if (piece.length === length)
                return { held: true, first: piece };
            // Counted while looked at, though dropped at once: the peak covers it.
            this.#hold(piece.length);
            this.#buffered -= piece.length;
            at += piece.length;
        }
        return { held: true };
    }
    #hold(bytes) {
        this.#buffered += bytes;
        this.#bufferedPeak = Math.max(this.#bufferedPeak, this.#buffered);
    }
    async #send(res, lease, blobId, range, size, first, gone) {
        res.writeHead(206, {
            'content-type': 'application/octet-stream',
            'content-length': String(range.length),
            'content-range': contentRange(range, size),
            'docker-content-digest': `sha256:${blobId}`,
            [PEER_HEADER]: this.#options.hostId,
        });
        const pace = new UploadPace(this.#options.minUploadBytesPerSecond ?? 64 * 1024, this.#options.uploadRateWindowMs ?? 10_000);
        const end = range.offset + range.length;
        let sent = 0;
        try {
            for (let at = range.offset; at < end;) {
                // The first piece may come from the look before (counted by the caller).
                const read = first === undefined;
                const piece = first ?? (await this.#readPiece(lease, blobId, at, end));
                first = undefined;
                if (piece === undefined)
                    throw new Error('a chunk of the range is no longer held');
                if (read)
                    this.#hold(piece.length);
                try {
                    for (let step = 0; step < piece.length; step += WRITE_STEP) {
                        const part = piece.subarray(step, Math.min(piece.length, step + WRITE_STEP));
                        await this.#upload.take(part.length, gone);
                        if (gone.aborted)
                            throw new Error('requester went away');
                        const drained = res.write(part);
                        sent += part.length;
                        this.#uploadedBytes += part.length;
                        this.#metrics.uploadBytes.inc(part.length);
                        if (drained)
                            pace.took(part.length);
                        else
                            await this.#drained(res, pace, part.length, gone);
                    }
                }
                finally {
                    if (read)
                        this.#buffered -= piece.length;
                }
                at += piece.length;
            }
            res.end();
            this.#metrics.uploads.inc({ outcome: 'ok' });
            const served = this.#options.chunkOrigins?.countIn(blobId, range.offset, end);
            if (served !== undefined) {
                if (served.origin > 0)
                    this.#metrics.servedChunks.inc({ from: 'origin' }, served.origin);
                if (served.peer > 0)
                    this.#metrics.servedChunks.inc({ from: 'peer' }, served.peer);
            }
        }
        catch (err) {
            const slow = err instanceof PeerTransferError && err.reason === 'slow';
            if (slow)
                log.info({ blob: blobId, sent, length: range.length }, `peer server: upload cut off: ${err.message}`);
            else
                log.debug({ blob: blobId, sent, err: err.message }, 'peer server: upload ended early');
            this.#metrics.uploads.inc({ outcome: slow ? 'slow' : 'error' });
            res.destroy();
        }
    }
    /**
     * Waits until the socket takes the bytes written (`bytes` of them last), within the pace the
     * requester must keep; throws PeerTransferError('slow') when it falls below it.
     */
    async #drained(res, pace, bytes, gone) {
        for (;;) {
            if (gone.aborted)
                throw new Error('requester went away');
            const started = Date.now();
            const budget = pace.remainingMs();
            const outcome = await new Promise((resolve) => {
                const timer = Number.isFinite(budget) ? setTimeout(() => done('window'), budget) : undefined;
                const onDrain = () => done('drained');
                const onGone = () => done('gone');
                function done(o) {
                    clearTimeout(timer);
                    res.off('drain', onDrain);
                    gone.removeEventListener('abort', onGone);
                    resolve(o);
                }
                res.once('drain', onDrain);
                gone.addEventListener('abort', onGone, { once: true });
            });
            if (outcome === 'gone')
                throw new Error('requester went away');
            if (outcome === 'drained')
                pace.took(bytes);
            const waited = Date.now() - started;
            if (!pace.waited(outcome === 'window' ? Math.max(waited, budget) : waited)) {
                throw new PeerTransferError('slow', `the requester took fewer than ${pace.minBytesPerSecond} bytes/s over ${pace.windowMs} ms of waiting for it`);
            }
            if (outcome === 'drained')
                return;
        }
    }
}
//# sourceMappingURL=peer-server.js.map