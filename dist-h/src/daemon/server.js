/**
 * The control API server: HTTP/1.1 with JSON bodies on a unix socket (docs/daemon-api.md). Thin:
 * it routes, parses and validates bodies (api.ts), calls the handlers, and turns every failure
 * into one status and one `{"error": {code, message}}` body.
 */
import { chmod, mkdir, unlink } from 'node:fs/promises';
import http from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { AlreadyExistsError, BadRequestError, DarnerError, NotFoundError, rethrowAsPathError } from '../errors.js';
import { log } from '../log.js';
import { API_PREFIX, errorBody, httpStatusOf, parseGcRequest, parseMountRequest, } from './api.js';
const MAX_BODY_BYTES = 1 << 20;
class MethodNotAllowedError extends DarnerError {
    allow;
    constructor(allow, method, path) {
        super('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path} (allowed: ${allow})`);
        this.allow = allow;
    }
}
async function readJson(req) {
    const parts = [];
    let size = 0;
    for await (const piece of req) {
        size += piece.length;
        if (size > MAX_BODY_BYTES)
            throw new BadRequestError(`the body is larger than ${MAX_BODY_BYTES} bytes`);
        parts.push(piece);
    }
    if (size === 0)
        return undefined;
    try {
        return JSON.parse(Buffer.concat(parts).toString('utf8'));
    }
    catch (err) {
        throw new BadRequestError(`the body is not JSON: ${err.message}`);
    }
}
function send(res, status, body) {
    if (body === undefined) {
        res.writeHead(status);
        res.end();
        return;
    }
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
}
/** Routes one request; returns the route name (for metrics). */
async function route(handlers, req, res) {
    const url = new URL(req.url ?? '/', 'http://darner');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const only = (allow) => {
        if (!allow.split(', ').includes(method))
            throw new MethodNotAllowedError(allow, method, path);
    };
    if (path === `${API_PREFIX}/status`) {
        only('GET');
        send(res, 200, await handlers.status());
        return 'status';
    }
    if (path === `${API_PREFIX}/mounts`) {
        only('GET, POST, DELETE');
        if (method === 'GET') {
            send(res, 200, { mounts: await handlers.listMounts() });
        }
        else if (method === 'POST') {
            const request = parseMountRequest(await readJson(req));
            const { mount, created } = await handlers.createMount(request);
            send(res, created ? 201 : 200, { mount });
        }
        else {
            const mountpoint = url.searchParams.get('mountpoint');
            if (mountpoint === null || mountpoint === '')
                throw new BadRequestError('DELETE /api/v1/mounts needs ?mountpoint=<path> (or use /api/v1/mounts/{id})');
            const id = await handlers.mountAt(mountpoint);
            if (id === undefined)
                throw new NotFoundError(`nothing is mounted by this daemon at ${mountpoint}`);
            await handlers.deleteMount(id);
            send(res, 204);
        }
        return 'mounts';
    }
    const byId = path.startsWith(`${API_PREFIX}/mounts/`) ? path.slice(`${API_PREFIX}/mounts/`.length) : undefined;
    const traceOf = byId === undefined ? null : /^([^/]+)\/trace$/.exec(byId);
    if (traceOf !== null) {
        only('POST');
        send(res, 200, await handlers.stopRecording(decodeURIComponent(traceOf[1])));
        return 'mount-trace';
    }
    if (byId !== undefined && byId !== '' && !byId.includes('/')) {
        only('DELETE');
        await handlers.deleteMount(decodeURIComponent(byId));
        send(res, 204);
        return 'mount';
    }
    if (path === `${API_PREFIX}/cache`) {
        only('GET');
        send(res, 200, await handlers.cacheList());
        return 'cache';
    }
    if (path === `${API_PREFIX}/cache/gc`) {
        only('POST');
        const { keep } = parseGcRequest(await readJson(req));
        send(res, 200, await handlers.cacheGc(keep));
        return 'cache-gc';
    }
    if (path === `${API_PREFIX}/handover` && handlers.handover !== undefined) {
        only('POST');
        const { answer, afterReply } = await handlers.handover();
        res.once('finish', afterReply);
        send(res, 200, answer);
        return 'handover';
    }
    throw new NotFoundError(`no such resource: ${method} ${path}`);
}
/** True when something accepts connections on the unix socket `path`. */
export function socketAnswers(path, timeoutMs = 2000) {
    return new Promise((resolve) => {
        const s = connect(path);
        const done = (ok) => {
            s.destroy();
            resolve(ok);
        };
        s.setTimeout(timeoutMs, () => done(false));
        s.once('connect', () => done(true));
        s.once('error', () => done(false));
    });
}
/** Creates the control socket's directory (a PathError naming the flag when it cannot be). */
export async function ensureSocketDir(socket) {
    await mkdir(dirname(socket), { recursive: true, mode: 0o755 }).catch(rethrowAsPathError('control socket directory (--socket, socket)', dirname(socket)));
}
/**
 * Listens on `socket` (its directory created; a stale socket file replaced; a live one — another
 * daemon — refused) with mode 0660.
 */
export async function startControlServer(socket, handlers, onRequest) {
    await ensureSocketDir(socket);
    if (await socketAnswers(socket))
        throw new AlreadyExistsError(`a daemon already answers on ${socket}`);
    await unlink(socket).catch(() => { });
    let closing = false;
    const server = http.createServer((req, res) => {
        const method = req.method ?? 'GET';
        if (closing) {
            send(res, 503, { error: { code: 'SHUTTING_DOWN', message: 'the daemon is shutting down' } });
            return;
        }
        route(handlers, req, res).then((name) => onRequest?.(method, name, res.statusCode), (err) => {
            const status = httpStatusOf(err);
            if (status >= 500)
                log.error({ method, url: req.url, err: err?.message }, 'control API request failed');
            else
                log.info({ method, url: req.url, status, code: errorBody(err).error.code }, 'control API request refused');
            if (err instanceof MethodNotAllowedError)
                res.setHeader('allow', err.allow);
            if (!res.headersSent)
                send(res, status, errorBody(err));
            else
                res.destroy();
            onRequest?.(method, 'error', status);
            req.resume();
        });
    });
    // Mount requests wait on registries; never cut them off.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => {
            server.off('error', reject);
            resolve();
        });
    });
    await chmod(socket, 0o660);
    return {
        socket,
        async close() {
            closing = true;
            await new Promise((resolve) => {
                server.close(() => resolve());
                server.closeIdleConnections();
            });
            await unlink(socket).catch(() => { });
        },
    };
}
//# sourceMappingURL=server.js.map