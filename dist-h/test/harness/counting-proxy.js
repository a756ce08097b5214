/**
 * Test harness: a counting, fault-injecting HTTP proxy to put in front of a registry (or any HTTP
 * server on loopback). See registry.ts for the registry itself.
 *
 *   const proxy = await startCountingProxy(reg.host);
 *   proxy.failNext(500, { kind: 'blob' });             // next blob request answers 500
 *   proxy.bytesServed('blob');                         // body bytes served for blob paths
 */
import http from 'node:http';
export function pathKind(path) {
    const p = path.split('?')[0] ?? '';
    if (p === '/v2/' || p === '/v2')
        return 'base';
    if (/^\/v2\/.+\/blobs\/uploads\//.test(p) || /^\/v2\/.+\/blobs\/uploads$/.test(p))
        return 'upload';
    if (/^\/v2\/.+\/blobs\/[^/]+$/.test(p))
        return 'blob';
    if (/^\/v2\/.+\/manifests\/[^/]+$/.test(p))
        return 'manifest';
    return 'other';
}
/**
 * The [start, end) byte ranges of the blob Range requests the proxy answered 206, from its
 * request number `from` on.
 */
export function blobRanges(proxy, from = 0) {
    return proxy.requests
        .slice(from)
        .filter((r) => r.kind === 'blob' && r.range !== undefined && r.status === 206)
        .map((r) => {
        const m = /^bytes=(\d+)-(\d+)$/.exec(r.range);
        return [Number(m[1]), Number(m[2]) + 1];
    });
}
const REDIRECT_PREFIX = '/__redirected__';
function matches(matcher, req) {
    if (matcher === undefined)
        return true;
    if (typeof matcher === 'function')
        return matcher(req);
    if (matcher.method !== undefined && matcher.method.toUpperCase() !== req.method)
        return false;
    if (matcher.kind !== undefined && matcher.kind !== req.kind)
        return false;
    if (matcher.path !== undefined) {
        if (typeof matcher.path === 'string' ? !req.path.startsWith(matcher.path) : !matcher.path.test(req.path))
            return false;
    }
    return true;
}
export async function startCountingProxy(target, options = {}) {
    const upstream = new URL(target.includes('://') ? target : `http://${target}`);
    const requests = [];
    let faults = [];
    const sockets = new Set();
    const connectionNumbers = new WeakMap();
    let connectionCount = 0;
    let mainHost = '';
    let otherHost = '';
    const takeFault = (req) => {
        const i = faults.findIndex((f) => matches(f.matcher, req));
        if (i === -1)
            return undefined;
        const f = faults[i];
        f.remaining -= 1;
        if (f.remaining <= 0)
            faults.splice(i, 1);
        return f.fault;
    };
    const handler = (req, res) => {
        let path = req.url ?? '/';
        const redirected = path.startsWith(REDIRECT_PREFIX);
        if (redirected)
            path = path.slice(REDIRECT_PREFIX.length);
        const info = {
            method: req.method ?? 'GET',
            path,
            kind: pathKind(path),
            host: req.headers.host ?? '',
        };
        if (req.headers.authorization !== undefined)
            info.authorization = req.headers.authorization;
        if (req.headers.range !== undefined)
            info.range = req.headers.range;
        const record = { ...info, status: 0, bytes: 0, redirected, connection: connectionNumbers.get(req.socket) ?? 0 };
        requests.push(record);
        const fault = redirected ? undefined : takeFault(info);
        if (fault !== undefined)
            record.fault = fault;
        if (fault === 'drop') {
            req.socket.destroy();
            return;
        }
        if (fault === 'stall') {
            req.resume();
            return;
        }
        if (typeof fault === 'number') {
            req.resume();
            const body = JSON.stringify({ errors: [{ code: 'INJECTED', message: `injected status ${fault}` }] });
            record.status = fault;
            record.bytes = req.method === 'HEAD' ? 0 : Buffer.byteLength(body);
            res.writeHead(fault, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
            res.end(req.method === 'HEAD' ? undefined : body);
            return;
        }
        if (fault === 'redirect' || fault === 'redirect-other-host') {
            req.resume();
            const host = fault === 'redirect' ? mainHost : otherHost;
            record.status = 307;
            res.writeHead(307, { location: `http://${host}${REDIRECT_PREFIX}${path}`, 'content-length': 0 });
            res.end();
            return;
        }
        const headers = { ...req.headers };
        if (redirected && info.host === otherHost && options.redirectedAuthorization !== undefined) {
            headers.authorization = options.redirectedAuthorization;
        }
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (up) => {
            record.status = up.statusCode ?? 0;
            res.writeHead(up.statusCode ?? 502, up.rawHeaders);
            const length = Number(up.headers['content-length'] ?? NaN);
            let sent = 0;
            let flipped = false;
            up.on('data', (chunk) => {
                let out = chunk;
                if (fault === 'wrong-bytes' && !flipped && chunk.length > 0) {
                    out = Buffer.from(chunk);
                    const at = Math.floor(out.length / 2);
                    out[at] = out[at] ^ 0xff;
                    flipped = true;
                }
                if (fault === 'truncate' || fault === 'stall-half') {
                    const half = Number.isFinite(length) ? Math.floor(length / 2) : 0;
                    if (sent + out.length >= half) {
                        const head = out.subarray(0, Math.max(0, half - sent));
                        record.bytes += head.length;
                        res.write(head, () => (fault === 'truncate' ? res.socket?.destroy() : undefined));
                        sent = half;
                        up.destroy();
                        return;
                    }
                }
                sent += out.length;
                record.bytes += out.length;
                res.write(out);
            });
            up.on('end', () => res.end());
            up.on('error', () => res.socket?.destroy());
        });
        forward.on('error', () => {
            if (!res.headersSent) {
                record.status = 502;
                res.writeHead(502);
                res.end();
            }
            else {
                res.socket?.destroy();
            }
        });
        req.pipe(forward);
    };
    const listen = async (address) => {
        const server = http.createServer(handler);
        server.on('connection', (s) => {
            connectionNumbers.set(s, ++connectionCount);
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
        });
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, address, resolve);
        });
        return server;
    };
    const main = await listen('127.0.0.1');
    const other = await listen('127.0.0.2');
    mainHost = `127.0.0.1:${main.address().port}`;
    otherHost = `127.0.0.2:${other.address().port}`;
    return {
        host: mainHost,
        url: `http://${mainHost}`,
        otherHost,
        requests,
        bytesServed(filter) {
            const pick = filter === undefined ? () => true : typeof filter === 'function' ? filter : (r) => r.kind === filter;
            return requests.filter(pick).reduce((sum, r) => sum + r.bytes, 0);
        },
        reset() {
            requests.length = 0;
            faults = [];
        },
        failNext(fault, matcher, times = 1) {
            faults.push({ fault, matcher, remaining: times });
        },
        async stop() {
            for (const s of sockets)
                s.destroy();
            await Promise.all([main, other].map((s) => new Promise((resolve) => s.close(() => resolve()))));
        },
    };
}
//# sourceMappingURL=counting-proxy.js.map