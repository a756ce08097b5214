import { DigestMismatchError, RegistryError, SizeMismatchError } from '../errors.js';
import { log } from '../log.js';
import { sha256Digest } from '../digest.js';
import { isDigest } from '../oci/digest.js';
import { MANIFEST_MEDIA_TYPES, MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE } from '../oci/image-spec.js';
import { abandon, describeRequest, discard, headerValue, networkError, readBounded } from './http.js';
import { checkDigest, checkRepo, pullScope, RegistryExchange } from './registry-exchange.js';
import { VerifyingStream } from './verify.js';
export class RegistryReader extends RegistryExchange {
    // -------------------------------------------------------------------------------------------
    // API
    /** Checks that the registry answers and that the credentials (if any are needed) work. */
    async ping(signal) {
        const call = { method: 'GET', url: this.url('/v2/'), scopes: [], signal };
        await this.retry('ping', signal, async () => {
            const res = await this.exchange(call);
            if (res.status !== 200)
                throw await this.fail(call, res);
            await discard(res);
        });
    }
    /** GETs a manifest or index by tag or digest. */
    async getManifest(repo, reference, signal) {
        checkRepo(repo);
        const call = {
            method: 'GET',
            url: this.url(`/v2/${repo}/manifests/${encodeURIComponent(reference)}`),
            scopes: [pullScope(repo)],
            headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
            signal,
        };
        const { bytes, mediaType, headerDigest } = await this.retry('manifest GET', signal, async () => {
            const res = await this.exchange(call);
            if (res.status !== 200)
                throw await this.fail(call, res);
            const bytes = await readBounded(call, res, MAX_MANIFEST_SIZE, 'manifest');
            return {
                bytes,
                mediaType: (headerValue(res.headers, 'content-type') ?? '').split(';')[0].trim(),
                headerDigest: headerValue(res.headers, 'docker-content-digest'),
            };
        });
        const digest = sha256Digest(bytes);
        if (isDigest(reference) && digest !== reference) {
            throw new DigestMismatchError(`manifest ${this.registry}/${repo}@${reference}`, reference, digest);
        }
        if (headerDigest !== undefined && headerDigest !== digest) {
            log.warn({ registry: this.registry, repo, reference, headerDigest, digest }, 'Docker-Content-Digest differs from the manifest bytes; using the bytes');
        }
        return { bytes, digest, mediaType };
    }
    /** HEADs a manifest: undefined when the registry does not have it. */
    async headManifest(repo, reference, signal) {
        checkRepo(repo);
        const call = {
            method: 'HEAD',
            url: this.url(`/v2/${repo}/manifests/${encodeURIComponent(reference)}`),
            scopes: [pullScope(repo)],
            headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
            signal,
        };
        return this.retry('manifest HEAD', signal, async () => {
            const res = await this.exchange(call);
            if (res.status === 404) {
                await discard(res);
                return undefined;
            }
            if (res.status !== 200)
                throw await this.fail(call, res);
            await discard(res);
            const head = { mediaType: (headerValue(res.headers, 'content-type') ?? '').split(';')[0].trim() };
            const digest = headerValue(res.headers, 'docker-content-digest');
            if (digest !== undefined && isDigest(digest))
                head.digest = digest;
            const length = Number(headerValue(res.headers, 'content-length'));
            if (Number.isSafeInteger(length) && length >= 0)
                head.size = length;
            return head;
        });
    }
    /** HEADs a blob: its size, or undefined when the registry does not have it. */
    async headBlob(repo, digest, signal) {
        checkRepo(repo);
        checkDigest(digest);
        const call = { method: 'HEAD', url: this.url(`/v2/${repo}/blobs/${digest}`), scopes: [pullScope(repo)], signal };
        return this.retry('blob HEAD', signal, async () => {
            const res = await this.exchange(call);
            await discard(res);
            if (res.status === 404)
                return undefined;
            if (res.status !== 200)
                throw await this.fail(call, res);
            const length = Number(headerValue(res.headers, 'content-length'));
            return Number.isSafeInteger(length) && length >= 0 ? length : 0;
        });
    }
    async openBlobResponse(repo, digest, size, signal) {
        checkRepo(repo);
        checkDigest(digest);
        const call = { method: 'GET', url: this.url(`/v2/${repo}/blobs/${digest}`), scopes: [pullScope(repo)], signal };
        return this.retry('blob GET', signal, async () => {
            const res = await this.exchange(call);
            if (res.status !== 200)
                throw await this.fail(call, res);
            const length = headerValue(res.headers, 'content-length');
            if (size !== undefined && length !== undefined && Number(length) !== size) {
                abandon(res);
                throw new SizeMismatchError(`blob ${digest} (Content-Length)`, size, Number(length));
            }
            return { call, res };
        });
    }
    /**
     * Streams a blob. The stream fails with DigestMismatchError (or SizeMismatchError when `size`
     * is given) at its end if the bytes are not the blob's; read it to the end before trusting it.
     */
    async openBlob(repo, digest, options = {}) {
        const { call, res } = await this.openBlobResponse(repo, digest, options.size, options.signal);
        const verifier = new VerifyingStream(`blob ${digest}`, digest, options.size);
        res.body.on('error', (err) => verifier.destroy(networkError(call, err)));
        verifier.on('close', () => {
            if (!res.body.destroyed)
                res.body.destroy();
        });
        res.body.pipe(verifier);
        return verifier;
    }
    /** Reads a whole (small) blob into memory, verified and bounded (default 16 MiB). */
    async getBlob(repo, digest, options = {}) {
        const max = options.maxSize ?? MAX_CONFIG_SIZE;
        if (options.size !== undefined && options.size > max) {
            throw new RegistryError('REGISTRY_ERROR', 0, `blob ${digest} is ${options.size} bytes, more than the ${max} allowed in memory`);
        }
        return this.retry('blob GET', options.signal, async () => {
            const { call, res } = await this.openBlobResponse(repo, digest, options.size, options.signal);
            const bytes = await readBounded(call, res, max, `blob ${digest}`);
            if (options.size !== undefined && bytes.length !== options.size)
                throw new SizeMismatchError(`blob ${digest}`, options.size, bytes.length);
            const actual = sha256Digest(bytes);
            if (actual !== digest)
                throw new DigestMismatchError(`blob ${digest}`, digest, actual);
            return bytes;
        });
    }
    /**
     * Reads `length` bytes of a blob from `offset` with an HTTP Range GET: exactly `length` bytes
     * or an error. The registry must answer 206 with the matching Content-Range; a range past the
     * blob's end answers 416 (REGISTRY_ERROR). The bytes cannot be verified here (only whole blobs
     * have a digest): the caller verifies the chunks it cuts out. `onProgress` hears of each piece
     * of the body as it lands; `bulk` reads share one connection (blob-reader.ts).
     *
     * One request, not retried: the caller owns the retries of range reads (retry.ts) — the fetch
     * engine, or readRangeRetrying for callers that do not retry themselves.
     */
    async readRange(repo, digest, offset, length, signal, options = {}) {
        checkRepo(repo);
        checkDigest(digest);
        if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(offset + length)) {
            throw new RegistryError('REGISTRY_ERROR', 0, `blob ${digest}: bad range offset ${offset} length ${length}`);
        }
        if (length === 0)
            return Buffer.alloc(0);
        const last = offset + length - 1;
        const onBulk = this.bulkDispatcher !== undefined && (options.bulk === true || this.bulkRangesInFlight === 0);
        const call = {
            method: 'GET',
            url: this.url(`/v2/${repo}/blobs/${digest}`),
            scopes: [pullScope(repo)],
            headers: { range: `bytes=${offset}-${last}` },
            signal,
            ...(onBulk ? { dispatcher: this.bulkDispatcher } : {}),
        };
        if (!onBulk)
            return this.sendRange(call, offset, length, options);
        this.bulkRangesInFlight += 1;
        try {
            return await this.sendRange(call, offset, length, options);
        }
        finally {
            this.bulkRangesInFlight -= 1;
        }
    }
    /** readRange retried with the client's policy, for callers that do not retry (tools walking a blob whole). */
    readRangeRetrying(repo, digest, offset, length, signal) {
        return this.retry('blob range GET', signal, () => this.readRange(repo, digest, offset, length, signal));
    }
    /** readRange's one request; `call` carries the range header and the dispatcher. */
    async sendRange(call, offset, length, { onProgress }) {
        const signal = call.signal;
        const last = offset + length - 1;
        const res = await this.exchange(call);
        const ctx = { method: call.method, url: res.url, signal };
        if (res.status !== 206) {
            if (res.status === 200) {
                abandon(res);
                throw new RegistryError('REGISTRY_ERROR', 200, `${describeRequest('GET', res.url)}: answered 200 to a Range request (range reads unsupported)`);
            }
            throw await this.fail(ctx, res);
        }
        const contentRange = headerValue(res.headers, 'content-range') ?? '';
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange.trim());
        if (m === null || Number(m[1]) !== offset || Number(m[2]) !== last) {
            abandon(res);
            const total = m?.[3] !== undefined && m[3] !== '*' ? Number(m[3]) : undefined;
            if (total !== undefined && offset + length > total) {
                throw new RegistryError('REGISTRY_ERROR', 206, `${describeRequest('GET', res.url)}: range ${offset}-${last} goes past the end of the blob (${total} bytes)`);
            }
            throw new RegistryError('REGISTRY_ERROR', 206, `${describeRequest('GET', res.url)}: Content-Range ${JSON.stringify(contentRange)} does not match the requested bytes ${offset}-${last}`);
        }
        const out = Buffer.allocUnsafe(length);
        let filled = 0;
        try {
            for await (const chunk of res.body) {
                if (filled + chunk.length > length) {
                    abandon(res);
                    throw new RegistryError('REGISTRY_ERROR', 206, `${describeRequest('GET', res.url)}: range body longer than the ${length} bytes requested`);
                }
                chunk.copy(out, filled);
                filled += chunk.length;
                onProgress?.(out, filled);
            }
        }
        catch (err) {
            throw networkError(ctx, err);
        }
        if (filled !== length) {
            // A short body is a broken connection, worth another try.
            throw new RegistryError('REGISTRY_UNREACHABLE', 0, `${describeRequest('GET', res.url)}: range body ended after ${filled} of ${length} bytes`);
        }
        return out;
    }
}
//# sourceMappingURL=registry-reader.js.map