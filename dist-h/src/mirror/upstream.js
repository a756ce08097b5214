import { Agent, request } from 'undici';
import { RegistryError } from '../errors.js';
const MAX_REDIRECTS = 5;
export class Upstream {
    #dispatcher;
    constructor(options = {}) {
        this.#dispatcher = new Agent({
            connections: 32,
            connect: { timeout: options.connectTimeoutMs ?? 10_000 },
            headersTimeout: options.headersTimeoutMs ?? 30_000,
            bodyTimeout: 60_000,
        });
    }
    /** One exchange, redirects followed; a network failure is a RegistryError REGISTRY_UNREACHABLE. */
    async send(req) {
        let url = req.url;
        let headers = { ...req.headers };
        for (let hop = 0;; hop++) {
            let res;
            try {
                res = await request(url, { dispatcher: this.#dispatcher, method: req.method, headers, ...(req.signal !== undefined ? { signal: req.signal } : {}) });
            }
            catch (err) {
                if (req.signal?.aborted)
                    throw req.signal.reason;
                throw new RegistryError('REGISTRY_UNREACHABLE', 0, `${req.method} ${url.origin}${url.pathname}: ${err.message}`, { cause: err });
            }
            const location = res.headers.location;
            if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && hop < MAX_REDIRECTS) {
                discardBody(res.body);
                const next = new URL(location, url);
                if (next.host !== url.host) {
                    const { authorization: _dropped, ...rest } = headers;
                    headers = rest;
                }
                url = next;
                continue;
            }
            return { status: res.statusCode, headers: res.headers, body: res.body };
        }
    }
    /**
     * Exactly `length` bytes of the resource from `offset` (a Range GET answered 206 with that
     * range, or a 200 whose body is cut to it), or a RegistryError.
     */
    async readRange(url, headers, offset, length, signal) {
        const res = await this.send({ method: 'GET', url, headers: { ...headers, range: `bytes=${offset}-${offset + length - 1}` }, ...(signal !== undefined ? { signal } : {}) });
        if (res.status !== 206 && res.status !== 200) {
            discardBody(res.body);
            throw new RegistryError(res.status === 404 ? 'REGISTRY_NOT_FOUND' : res.status === 401 || res.status === 403 ? 'REGISTRY_UNAUTHORIZED' : 'REGISTRY_ERROR', res.status, `GET ${url.origin}${url.pathname} bytes ${offset}+${length}: HTTP ${res.status}`);
        }
        const skip = res.status === 200 ? offset : 0;
        const out = Buffer.allocUnsafe(length);
        let seen = 0;
        let got = 0;
        for await (const piece of res.body) {
            const from = Math.max(0, skip - seen);
            seen += piece.length;
            if (from >= piece.length)
                continue;
            const take = Math.min(piece.length - from, length - got);
            piece.copy(out, got, from, from + take);
            got += take;
            if (got === length) {
                discardBody(res.body);
                break;
            }
        }
        if (got !== length)
            throw new RegistryError('REGISTRY_UNREACHABLE', 0, `GET ${url.origin}${url.pathname} bytes ${offset}+${length}: the answer ended after ${got} bytes`);
        return out;
    }
    async close() {
        await this.#dispatcher.destroy().catch(() => undefined);
    }
}
/** Drops an answer's body (its abort error has a listener, so it is no uncaught exception). */
export function discardBody(body) {
    body.on('error', () => { });
    body.destroy();
}
/** A response header's single value. */
export function header(headers, name) {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
}
//# sourceMappingURL=upstream.js.map