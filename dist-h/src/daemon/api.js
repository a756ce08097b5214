/**
 * The daemon control API's wire types and its pure rules (docs/daemon-api.md): request
 * validation, and which HTTP status and error body a failure answers. Shared by the server
 * (server.ts) and the client (client.ts); no I/O here.
 */
import { BadRequestError, DarnerError, InvalidArgumentError, InvalidReferenceError, MountpointBusyError, NotFoundError, RegistryError, UsageError, } from '../errors.js';
import { MAX_MANIFEST_SIZE } from '../oci/image-spec.js';
import { isBlobId } from '../util/hex-id.js';
export const API_PREFIX = '/api/v1';
/** The listing of a cache's usage (what the daemon answers, and `darner cache ls` without one). */
export function cacheListingOf(usage) {
    return {
        blobs: usage.map((u) => ({
            id: u.id,
            uncompressedSize: u.uncompressedSize,
            cachedBytes: Math.min(u.dataAllocatedBytes, u.uncompressedSize),
            diskBytes: u.allocatedBytes,
            readyChunks: u.readyChunks,
            referenced: u.references > 0,
            lastUsed: u.lastUse.toISOString(),
        })),
        totalBytes: usage.reduce((n, u) => n + u.allocatedBytes, 0),
    };
}
/** Longest base64 text of a handed-over manifest (MAX_MANIFEST_SIZE bytes). */
export const MAX_MANIFEST_BASE64 = Math.ceil(MAX_MANIFEST_SIZE / 3) * 4;
const MAX_LABELS = 64;
const MAX_LABEL_BYTES = 4096;
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function optionalString(body, key) {
    const v = body[key];
    if (v === undefined || v === null)
        return undefined;
    if (typeof v !== 'string' || v === '')
        throw new BadRequestError(`${key} must be a non-empty string`);
    if (v.includes('\0'))
        throw new BadRequestError(`${key} must not contain NUL`);
    return v;
}
function optionalBoolean(body, key) {
    const v = body[key];
    if (v === undefined || v === null)
        return undefined;
    if (typeof v !== 'boolean')
        throw new BadRequestError(`${key} must be true or false`);
    return v;
}
/** Checks a mount request body field by field; unknown fields are refused (a typo is not ignored). */
export function parseMountRequest(body) {
    if (!isObject(body))
        throw new BadRequestError('the body must be a JSON object');
    const known = new Set(['reference', 'mountpoint', 'bootstrap', 'manifest', 'platform', 'plainHttp', 'credentials', 'prefetchAll', 'labels', 'record']);
    for (const key of Object.keys(body))
        if (!known.has(key))
            throw new BadRequestError(`unknown field ${JSON.stringify(key)}`);
    const reference = optionalString(body, 'reference');
    if (reference === undefined)
        throw new BadRequestError('reference is required');
    const request = { reference };
    const mountpoint = optionalString(body, 'mountpoint');
    if (mountpoint !== undefined) {
        if (!mountpoint.startsWith('/'))
            throw new BadRequestError('mountpoint must be an absolute path');
        request.mountpoint = mountpoint;
    }
    const bootstrap = optionalString(body, 'bootstrap');
    if (bootstrap !== undefined) {
        if (!bootstrap.startsWith('/'))
            throw new BadRequestError('bootstrap must be an absolute path');
        request.bootstrap = bootstrap;
    }
    const record = optionalString(body, 'record');
    if (record !== undefined) {
        if (!record.startsWith('/'))
            throw new BadRequestError('record must be an absolute path');
        request.record = record;
    }
    const manifest = optionalString(body, 'manifest');
    if (manifest !== undefined) {
        if (request.bootstrap === undefined)
            throw new BadRequestError('manifest is taken only together with bootstrap');
        if (manifest.length > MAX_MANIFEST_BASE64)
            throw new BadRequestError(`manifest is longer than ${MAX_MANIFEST_BASE64} base64 characters`);
        request.manifest = manifest;
    }
    const platform = optionalString(body, 'platform');
    if (platform !== undefined)
        request.platform = platform;
    const plainHttp = optionalBoolean(body, 'plainHttp');
    if (plainHttp !== undefined)
        request.plainHttp = plainHttp;
    const prefetchAll = optionalBoolean(body, 'prefetchAll');
    if (prefetchAll !== undefined)
        request.prefetchAll = prefetchAll;
    if (body.credentials !== undefined && body.credentials !== null) {
        const c = body.credentials;
        if (!isObject(c) || typeof c.username !== 'string' || typeof c.password !== 'string' || Object.keys(c).length !== 2) {
            throw new BadRequestError('credentials must be {"username": string, "password": string}');
        }
        request.credentials = { username: c.username, password: c.password };
    }
    if (body.labels !== undefined && body.labels !== null) {
        const labels = body.labels;
        if (!isObject(labels))
            throw new BadRequestError('labels must be an object of strings');
        const entries = Object.entries(labels);
        if (entries.length > MAX_LABELS)
            throw new BadRequestError(`at most ${MAX_LABELS} labels`);
        for (const [k, v] of entries) {
            if (typeof v !== 'string')
                throw new BadRequestError(`label ${JSON.stringify(k)} must be a string`);
            if (Buffer.byteLength(k) + Buffer.byteLength(v) > MAX_LABEL_BYTES)
                throw new BadRequestError(`label ${JSON.stringify(k)} is longer than ${MAX_LABEL_BYTES} bytes`);
        }
        request.labels = Object.fromEntries(entries);
    }
    return request;
}
/** `POST /api/v1/cache/gc` body: `{"keep": [blob ids]}`, all optional. */
export function parseGcRequest(body) {
    if (body === undefined || body === null)
        return { keep: [] };
    if (!isObject(body))
        throw new BadRequestError('the body must be a JSON object');
    for (const key of Object.keys(body))
        if (key !== 'keep')
            throw new BadRequestError(`unknown field ${JSON.stringify(key)}`);
    const keep = body.keep ?? [];
    if (!Array.isArray(keep) || !keep.every(isBlobId)) {
        throw new BadRequestError('keep must be an array of blob ids (64 lowercase hex digits)');
    }
    return { keep: keep };
}
/** The HTTP status a failure answers. */
export function httpStatusOf(err) {
    if (err instanceof BadRequestError || err instanceof InvalidArgumentError || err instanceof InvalidReferenceError || err instanceof UsageError)
        return 400;
    if (err instanceof NotFoundError)
        return 404;
    if (err instanceof MountpointBusyError)
        return 409;
    if (err instanceof RegistryError)
        return err.code === 'REGISTRY_NOT_FOUND' ? 404 : 502;
    if (err instanceof DarnerError) {
        switch (err.code) {
            case 'BAD_MANIFEST':
            case 'MALFORMED_BOOTSTRAP':
            case 'UNSUPPORTED':
            case 'NO_MATCHING_PLATFORM':
                return 422;
            case 'BAD_MOUNT_TARGET':
                return 400;
            case 'DIGEST_MISMATCH':
            case 'SIZE_MISMATCH':
            case 'BAD_COMPRESSION':
            case 'BAD_TAR':
                return 502;
            case 'METHOD_NOT_ALLOWED':
                return 405;
            case 'SHUTTING_DOWN':
                return 503;
        }
    }
    return 500;
}
/** The one-line error body of a failure. */
export function errorBody(err) {
    if (err instanceof DarnerError)
        return { error: { code: err.code, message: oneLine(err.message) } };
    const code = err?.code;
    const message = err instanceof Error ? err.message : String(err);
    return { error: { code: typeof code === 'string' ? code : 'INTERNAL', message: oneLine(message) } };
}
function oneLine(text) {
    return text.replace(/\s*\n\s*/g, ' ').slice(0, 2000);
}
//# sourceMappingURL=api.js.map