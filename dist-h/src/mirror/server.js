/**
 * The registry mirror inside `darner daemon`: an HTTP port that containerd (hosts.toml) uses as a
 * mirror of any registry. Manifests pass through to the origin, with the client's credentials,
 * and are kept by digest once checked; so are small blobs (image configs). Larger blobs are
 * fetched in pieces through the peer network (blob-fetch.ts) and streamed to the client as the
 * pieces arrive, each checked first. docs/mirror.md.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { describeError } from '../errors.js';
import { log } from '../log.js';
import { PASSED_HEADERS, RETURNED_HEADERS, fileUrl, registryHost, routeOf } from './routes.js';
import { SmallObjects } from './small-objects.js';
import { clientRange } from './client-range.js';
import { Upstream, discardBody, header } from './upstream.js';
const MAX_MANIFEST_BYTES = 4 << 20;
export class MirrorServer {
    #o;
    #server;
    #upstream = new Upstream();
    #small;
    constructor(o) {
        this.#o = o;
        this.#small = new SmallObjects(o.memoryBytes);
        this.#server = createServer((req, res) => {
            this.#handle(req, res).catch((err) => {
                log.warn({ url: req.url, err: describeError(err) }, 'mirror: request failed');
                if (!res.headersSent)
                    this.#answer(res, 502, 'other', `mirror: ${describeError(err)}`);
                else
                    res.destroy();
            });
        });
        this.#server.keepAliveTimeout = 30_000;
    }
    static async start(o) {
        const s = new MirrorServer(o);
        await new Promise((resolve, reject) => {
            s.#server.once('error', reject);
            s.#server.listen(o.port, o.host, () => {
                s.#server.off('error', reject);
                resolve();
            });
        });
        log.info({ address: s.address }, 'mirror listening');
        return s;
    }
    get address() {
        const a = this.#server.address();
        return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    }
    async close() {
        const closed = new Promise((resolve) => this.#server.close(() => resolve()));
        this.#server.closeAllConnections();
        await closed;
        await this.#upstream.close();
    }
    #answer(res, status, kind, message) {
        this.#o.metrics.requests.inc({ kind, status: String(status) });
        const body = `${JSON.stringify({ errors: [{ code: status === 404 ? 'NAME_UNKNOWN' : 'UNSUPPORTED', message }] })}\n`;
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
    }
    async #handle(req, res) {
        const url = new URL(req.url ?? '/', 'http://mirror');
        const route = routeOf(url.pathname);
        if (req.method !== 'GET' && req.method !== 'HEAD')
            return this.#answer(res, 405, route.kind, 'the mirror serves pulls only (GET, HEAD)');
        const method = req.method;
        if (route.kind === 'other')
            return this.#answer(res, 404, 'other', 'not a pull request');
        if (route.kind === 'file') {
            const target = fileUrl(url.searchParams.get('url'));
            if (target === undefined || method !== 'GET')
                return this.#answer(res, 400, 'file', 'GET /darner/files/sha256:<hex>?url=<http(s) URL without credentials>');
            const gone = new AbortController();
            res.once('close', () => gone.abort());
            return this.#file(res, route.digest, target, gone.signal, req.headers.range);
        }
        if (route.kind === 'base') {
            this.#o.metrics.requests.inc({ kind: 'base', status: '200' });
            res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', 'content-length': '3' });
            res.end('{}\n');
            return;
        }
        const host = registryHost(url.searchParams.get('ns'), this.#o.defaultRegistry);
        if (host === undefined)
            return this.#answer(res, 400, route.kind, 'malformed ns');
        const scheme = this.#o.plainHttp.includes(host) || this.#o.plainHttp.includes(url.searchParams.get('ns') ?? '') ? 'http' : 'https';
        const headers = {};
        for (const name of PASSED_HEADERS) {
            const v = req.headers[name];
            if (typeof v === 'string')
                headers[name] = v;
        }
        const gone = new AbortController();
        res.once('close', () => gone.abort());
        if (route.kind === 'manifest') {
            const target = new URL(`${scheme}://${host}/v2/${route.repo}/manifests/${route.reference}`);
            return this.#smallObject(method, res, 'manifest', route.reference.startsWith('sha256:') ? route.reference : undefined, target, headers, gone.signal);
        }
        const target = new URL(`${scheme}://${host}/v2/${route.repo}/blobs/${route.digest}`);
        const kept = this.#small.get(route.digest);
        if (kept !== undefined)
            return this.#send(res, method, 'blob', route.digest, kept.body, kept.contentType);
        const head = await this.#upstream.send({ method: 'HEAD', url: target, headers, signal: gone.signal });
        discardBody(head.body);
        const size = Number(header(head.headers, 'content-length'));
        if (head.status !== 200 || !Number.isSafeInteger(size) || size < 0) {
            // Let the origin answer the client itself (401 with its challenge, 404, ...).
            return this.#passThrough(method, res, 'blob', await this.#upstream.send({ method, url: target, headers, signal: gone.signal }));
        }
        if (method === 'HEAD') {
            this.#o.metrics.requests.inc({ kind: 'blob', status: '200' });
            res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream', 'docker-content-digest': route.digest });
            res.end();
            return;
        }
        if (size <= this.#o.smallBlobBytes)
            return this.#smallObject('GET', res, 'blob', route.digest, target, headers, gone.signal);
        return this.#streamBlob(res, route.digest, size, this.#originOf(target, headers), gone.signal, 'blob', req.headers.range);
    }
    /** The origin of a blob or file: the whole of it, or a range, with the client's headers. */
    #originOf(target, headers) {
        const upstream = this.#upstream;
        return {
            async stream(signal) {
                const r = await upstream.send({ method: 'GET', url: target, headers, signal });
                if (r.status !== 200) {
                    discardBody(r.body);
                    throw new Error(`GET ${target.origin}${target.pathname}: HTTP ${r.status}`);
                }
                return r.body;
            },
            readRange: (offset, length, signal) => upstream.readRange(target, headers, offset, length, signal),
        };
    }
    /** `darner get` through the daemon: an HTTP(S) file of known digest, in pieces through the peer network. */
    async #file(res, digest, target, signal, range) {
        const head = await this.#upstream.send({ method: 'HEAD', url: target, headers: {}, signal });
        discardBody(head.body);
        const size = Number(header(head.headers, 'content-length'));
        if (head.status !== 200)
            return this.#answer(res, head.status === 404 ? 404 : 502, 'file', `HEAD ${target.origin}${target.pathname}: HTTP ${head.status}`);
        if (header(head.headers, 'content-length') === undefined || !Number.isSafeInteger(size) || size <= 0)
            return this.#answer(res, 502, 'file', `${target.origin}${target.pathname}: the server does not say its size`);
        return this.#streamBlob(res, digest, size, this.#originOf(target, {}), signal, 'file', range);
    }
    /**
     * A blob's pieces (or the client's range of it) as they arrive; a failure after the first piece
     * cuts the answer.
     */
    async #streamBlob(res, digest, size, origin, signal, kind, rangeHeader) {
        const range = clientRange(rangeHeader, size);
        if (range === 'unsatisfiable') {
            this.#o.metrics.requests.inc({ kind, status: '416' });
            res.writeHead(416, { 'content-range': `bytes */${size}` });
            res.end();
            return;
        }
        const pieces = this.#o.fetcher.fetch(digest, size, origin, signal, range);
        try {
            // The first piece decides the status: a blob that cannot be started is a 502, not a cut body.
            const first = await pieces.next();
            const status = range === undefined ? 200 : 206;
            this.#o.metrics.requests.inc({ kind, status: String(status) });
            res.writeHead(status, {
                'content-length': String(range === undefined ? size : range.length),
                'content-type': 'application/octet-stream',
                'docker-content-digest': digest,
                'accept-ranges': 'bytes',
                ...(range !== undefined ? { 'content-range': `bytes ${range.offset}-${range.offset + range.length - 1}/${size}` } : {}),
            });
            try {
                if (first.done !== true) {
                    if (!res.write(first.value))
                        await drained(res, signal);
                    for await (const piece of pieces) {
                        if (!res.write(piece))
                            await drained(res, signal);
                    }
                }
                res.end();
            }
            catch (err) {
                log.warn({ blob: digest, err: describeError(err) }, 'mirror: blob failed mid-transfer; the client gets a cut answer');
                res.destroy();
            }
        }
        finally {
            // Ends the fetch (its cache lease, its claim on the blob) however the transfer ended.
            await pieces.return(undefined).catch(() => undefined);
        }
    }
    /** A manifest or small blob: from memory, or the origin's answer checked against its digest and kept. */
    async #smallObject(method, res, kind, digest, target, headers, signal) {
        if (digest !== undefined) {
            const kept = this.#small.get(digest);
            if (kept !== undefined)
                return this.#send(res, method, kind, digest, kept.body, kept.contentType);
        }
        const up = await this.#upstream.send({ method, url: target, headers, signal });
        if (method === 'HEAD' || up.status !== 200)
            return this.#passThrough(method, res, kind, up);
        const parts = [];
        let got = 0;
        for await (const p of up.body) {
            got += p.length;
            if (got > MAX_MANIFEST_BYTES) {
                discardBody(up.body);
                return this.#answer(res, 502, kind, `the origin's ${kind} is larger than ${MAX_MANIFEST_BYTES} bytes`);
            }
            parts.push(p);
        }
        const body = Buffer.concat(parts);
        const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        const expected = digest ?? header(up.headers, 'docker-content-digest');
        if (digest !== undefined && actual !== digest)
            return this.#answer(res, 502, kind, `the origin's ${kind} does not match ${digest}`);
        const contentType = header(up.headers, 'content-type') ?? 'application/octet-stream';
        if (expected === actual)
            this.#small.put(actual, { body, contentType });
        return this.#send(res, method, kind, actual, body, contentType);
    }
    #send(res, method, kind, digest, body, contentType) {
        this.#o.metrics.requests.inc({ kind, status: '200' });
        res.writeHead(200, { 'content-type': contentType, 'content-length': String(body.length), 'docker-content-digest': digest });
        res.end(method === 'HEAD' ? undefined : body);
    }
    async #passThrough(method, res, kind, up) {
        this.#o.metrics.requests.inc({ kind, status: String(up.status) });
        const out = {};
        for (const name of RETURNED_HEADERS) {
            const v = header(up.headers, name);
            if (v !== undefined)
                out[name] = v;
        }
        res.writeHead(up.status, out);
        if (method === 'HEAD') {
            discardBody(up.body);
            res.end();
            return;
        }
        for await (const p of up.body)
            if (!res.write(p))
                await drained(res);
        res.end();
    }
}
function drained(res, signal) {
    return new Promise((resolve, reject) => {
        const done = () => {
            res.off('drain', done);
            res.off('close', done);
            signal?.removeEventListener('abort', done);
            if (signal?.aborted || res.destroyed)
                reject(new Error('the client went away'));
            else
                resolve();
        };
        res.once('drain', done);
        res.once('close', done);
        signal?.addEventListener('abort', done, { once: true });
    });
}
//# sourceMappingURL=server.js.map