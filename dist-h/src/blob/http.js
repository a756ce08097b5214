import { request } from 'undici';
import { DarnerError, RegistryError, SizeMismatchError } from '../errors.js';
const STATUS_TEXT = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    408: 'Request Timeout',
    409: 'Conflict',
    413: 'Payload Too Large',
    416: 'Range Not Satisfiable',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
};
/** Retry-After (seconds) of error responses, kept beside the error for the retry layer. */
const retryAfter = new WeakMap();
/** `GET http://host/v2/app/manifests/latest` without query (upload URLs carry long state tokens). */
export function describeRequest(method, url) {
    return `${method} ${url.origin}${url.pathname}`;
}
/** One header as a string (the first value when repeated). */
export function headerValue(headers, name) {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
}
/** Translates a failure with no HTTP answer; aborts pass through as the signal's reason. */
export function networkError(req, err) {
    if (req.signal?.aborted)
        return req.signal.reason;
    if (err instanceof DarnerError)
        return err;
    const code = err.code;
    if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
        // The body we sent was not as long as we said: our input is wrong, retrying cannot help.
        const declared = Number(req.headers?.['content-length']);
        return new SizeMismatchError(`${describeRequest(req.method, req.url)}: request body`, declared, Number.NaN);
    }
    const why = code === 'UND_ERR_HEADERS_TIMEOUT' ? 'timed out waiting for the response'
        : code === 'UND_ERR_BODY_TIMEOUT' ? 'timed out reading the response body'
            : code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timed out connecting'
                : `${err.message ?? String(err)}${code !== undefined && !err.message?.includes(code) ? ` (${code})` : ''}`;
    return new RegistryError('REGISTRY_UNREACHABLE', 0, `${describeRequest(req.method, req.url)}: unreachable: ${oneLine(why)}`, { cause: err });
}
function oneLine(s) {
    const line = s.replace(/\s+/g, ' ').trim();
    return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
/** Sends one request (no redirects, auth or retry here). */
export async function sendHttp(dispatcher, req) {
    try {
        const res = await request(req.url, {
            dispatcher,
            method: req.method,
            headers: req.headers,
            body: req.body ?? null,
            signal: req.signal ?? null,
            headersTimeout: req.headersTimeoutMs ?? null,
            bodyTimeout: req.bodyTimeoutMs ?? null,
        });
        // Errors while the caller reads the body become RegistryErrors too.
        return { status: res.statusCode, headers: res.headers, body: res.body, url: req.url };
    }
    catch (err) {
        throw networkError(req, err);
    }
}
/** Drops a response whose body will not be read (undici then closes the connection). */
export function abandon(res) {
    res.body.on('error', () => { });
    res.body.destroy();
}
/** Discards a response body so the connection can be reused. Never throws. */
export async function discard(res) {
    try {
        const body = res.body;
        if (typeof body.dump === 'function')
            await body.dump({ limit: 256 * 1024 });
        else
            abandon(res);
    }
    catch {
        // the connection is gone anyway
    }
}
/**
 * Reads a whole body, refusing more than `max` bytes (by Content-Length up front, and by count).
 * `what` names the thing for the error message.
 */
export async function readBounded(req, res, max, what) {
    const declared = headerValue(res.headers, 'content-length');
    if (declared !== undefined && Number(declared) > max) {
        abandon(res);
        throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(req.method, req.url)}: ${what} is ${declared} bytes, more than the ${max} allowed`);
    }
    const chunks = [];
    let total = 0;
    try {
        for await (const chunk of res.body) {
            total += chunk.length;
            if (total > max) {
                abandon(res);
                throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(req.method, req.url)}: ${what} is more than the ${max} bytes allowed`);
            }
            chunks.push(chunk);
        }
    }
    catch (err) {
        throw networkError(req, err);
    }
    return Buffer.concat(chunks, total);
}
/**
 * The RegistryError for an unexpected status. Reads (a bounded part of) the body for the
 * registry's own error code and message: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}`.
 */
export async function statusError(req, res, hint) {
    let detail = '';
    if (req.method !== 'HEAD') {
        try {
            const body = await readBounded(req, res, 64 * 1024, 'error body');
            const parsed = JSON.parse(body.toString('utf8'));
            const first = parsed.errors?.[0];
            if (first !== undefined) {
                detail = [first.code, first.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
            }
        }
        catch {
            // not a registry error document: the status says enough
        }
    }
    else {
        await discard(res);
    }
    const status = res.status;
    const code = status === 401 || status === 403 ? 'REGISTRY_UNAUTHORIZED' : status === 404 ? 'REGISTRY_NOT_FOUND' : 'REGISTRY_ERROR';
    const text = STATUS_TEXT[status] ?? 'unexpected status';
    let message = `${describeRequest(req.method, req.url)}: ${status} ${text}`;
    if (detail !== '')
        message += ` (${oneLine(detail)})`;
    if (hint !== undefined)
        message += `; ${hint}`;
    const err = new RegistryError(code, status, message);
    const after = headerValue(res.headers, 'retry-after');
    if (after !== undefined && /^\d+$/.test(after))
        retryAfter.set(err, Number(after) * 1000);
    return err;
}
/** What the retry layer may try again: no answer, 5xx (but 501/505), 408 and 429. */
export function retryableRegistryError(err) {
    if (!(err instanceof RegistryError))
        return { retry: false };
    const s = err.status;
    const retry = s === 0 || s === 408 || s === 429 || (s >= 500 && s !== 501 && s !== 505);
    const afterMs = retryAfter.get(err);
    return afterMs === undefined ? { retry } : { retry, afterMs };
}
//# sourceMappingURL=http.js.map