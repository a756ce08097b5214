/** The push side of the registry client: manifests, blob uploads (whole, chunked), cross-repository mounts. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DigestMismatchError, RegistryError, SizeMismatchError } from '../errors.js';
import { log } from '../log.js';
import { sha256Digest, Sha256Hasher } from '../digest.js';
import { isDigest } from '../oci/digest.js';
import { describeRequest, discard, headerValue } from './http.js';
import { checkDigest, checkRepo, pullScope, pushScope } from './registry-exchange.js';
import { RegistryReader } from './registry-reader.js';
/** Chunk size of uploads from streams of unknown size. */
export const DEFAULT_UPLOAD_CHUNK_SIZE = 8 * 1024 * 1024;
export class RegistryClient extends RegistryReader {
    /** PUTs a manifest under a tag or its digest; returns its digest. Push its blobs first. */
    async putManifest(repo, reference, bytes, mediaType, signal) {
        checkRepo(repo);
        const digest = sha256Digest(bytes);
        if (isDigest(reference) && reference !== digest)
            throw new DigestMismatchError('manifest to push', reference, digest);
        const call = {
            method: 'PUT',
            url: this.url(`/v2/${repo}/manifests/${encodeURIComponent(reference)}`),
            scopes: [pushScope(repo)],
            headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
            body: () => bytes,
            signal,
        };
        await this.retry('manifest PUT', signal, async () => {
            const res = await this.exchange(call);
            if (res.status !== 201 && res.status !== 200)
                throw await this.fail(call, res);
            await discard(res);
            const answered = headerValue(res.headers, 'docker-content-digest');
            if (answered !== undefined && answered !== digest)
                throw new DigestMismatchError(`manifest PUT ${repo}:${reference}`, digest, answered);
        });
        return digest;
    }
    /**
     * Starts an upload session, or mounts the blob from `mountFrom` (another repository of this
     * registry). Returns the upload URL, or undefined when the blob was mounted.
     */
    async startUpload(repo, mountFrom, signal) {
        const url = this.url(`/v2/${repo}/blobs/uploads/`);
        const scopes = [pushScope(repo)];
        if (mountFrom !== undefined) {
            url.searchParams.set('mount', mountFrom.digest);
            url.searchParams.set('from', mountFrom.repo);
            scopes.push(pullScope(mountFrom.repo));
        }
        const call = { method: 'POST', url, scopes, headers: { 'content-length': '0' }, signal };
        const res = await this.exchange(call);
        if (mountFrom !== undefined && res.status === 201) {
            await discard(res);
            return undefined;
        }
        if (res.status !== 202)
            throw await this.fail(call, res);
        await discard(res);
        return this.location(call, res);
    }
    location(call, res) {
        const location = headerValue(res.headers, 'location');
        if (location === undefined)
            throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(call.method, call.url)}: ${res.status} without a Location`);
        try {
            return new URL(location, res.url);
        }
        catch {
            throw new RegistryError('REGISTRY_ERROR', res.status, `${describeRequest(call.method, call.url)}: bad Location ${JSON.stringify(location.slice(0, 100))}`);
        }
    }
    /**
     * Uploads a blob whose digest and size are known, in one PUT (POST then PUT), unless
     * `mountFrom` names a repository of this registry that has it, in which case it is mounted.
     * A failed try restarts with a new upload session (a file or factory body is read again).
     */
    async pushBlob(repo, desc, body, options = {}) {
        checkRepo(repo);
        checkDigest(desc.digest);
        let makeBody;
        if (Buffer.isBuffer(body)) {
            if (body.length !== desc.size)
                throw new SizeMismatchError(`blob ${desc.digest} to push`, desc.size, body.length);
            const actual = sha256Digest(body);
            if (actual !== desc.digest)
                throw new DigestMismatchError(`blob to push`, desc.digest, actual);
            makeBody = () => body;
        }
        else if (typeof body === 'function') {
            makeBody = body;
        }
        else {
            const { size } = await stat(body.path);
            if (size !== desc.size)
                throw new SizeMismatchError(`blob ${desc.digest} to push (${body.path})`, desc.size, size);
            const path = body.path;
            makeBody = () => createReadStream(path);
        }
        const mountFrom = options.mountFrom !== undefined && options.mountFrom !== repo ? { digest: desc.digest, repo: options.mountFrom } : undefined;
        if (mountFrom !== undefined)
            checkRepo(mountFrom.repo);
        await this.retry('blob upload', options.signal, async () => {
            const upload = await this.startUpload(repo, mountFrom, options.signal);
            if (upload === undefined)
                return; // mounted
            upload.searchParams.set('digest', desc.digest);
            const call = {
                method: 'PUT',
                url: upload,
                scopes: [pushScope(repo)],
                headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
                body: makeBody,
                signal: options.signal,
            };
            const res = await this.exchange(call);
            if (res.status !== 201)
                throw await this.fail(call, res);
            await discard(res);
        });
    }
    /**
     * Uploads a stream of unknown size in PATCH chunks of `chunkSize` bytes, hashing it on the way,
     * and commits it under the computed digest. Not retried (the stream is read once); returns the
     * digest and size.
     */
    async pushBlobStream(repo, stream, options = {}) {
        checkRepo(repo);
        const chunkSize = options.chunkSize ?? DEFAULT_UPLOAD_CHUNK_SIZE;
        const signal = options.signal;
        let location = await this.retry('blob upload start', signal, async () => (await this.startUpload(repo, undefined, signal)));
        const hasher = new Sha256Hasher();
        let pending = [];
        let pendingSize = 0;
        const patch = async () => {
            if (pendingSize === 0)
                return;
            const chunk = Buffer.concat(pending, pendingSize);
            const start = hasher.size - pendingSize;
            pending = [];
            pendingSize = 0;
            const call = {
                method: 'PATCH',
                url: location,
                scopes: [pushScope(repo)],
                headers: {
                    'content-type': 'application/octet-stream',
                    'content-length': String(chunk.length),
                    'content-range': `${start}-${start + chunk.length - 1}`,
                },
                body: () => chunk,
                signal,
            };
            const res = await this.exchange(call);
            if (res.status !== 202)
                throw await this.fail(call, res);
            await discard(res);
            location = this.location(call, res);
        };
        try {
            for await (const data of stream) {
                const chunk = typeof data === 'string' ? Buffer.from(data) : data;
                hasher.update(chunk);
                pending.push(chunk);
                pendingSize += chunk.length;
                if (pendingSize >= chunkSize)
                    await patch();
            }
            await patch();
        }
        catch (err) {
            stream.destroy();
            throw err;
        }
        const digest = hasher.digest();
        const url = new URL(location);
        url.searchParams.set('digest', digest);
        const call = { method: 'PUT', url, scopes: [pushScope(repo)], headers: { 'content-length': '0' }, signal };
        const res = await this.exchange(call);
        if (res.status !== 201)
            throw await this.fail(call, res);
        await discard(res);
        return { digest, size: hasher.size };
    }
    /**
     * Mounts a blob from another repository of this registry (no bytes move). Returns false when
     * the registry does not mount it (it then offers an upload session, which is cancelled).
     */
    async mountBlob(repo, digest, fromRepo, signal) {
        checkRepo(repo);
        checkRepo(fromRepo);
        checkDigest(digest);
        return this.retry('blob mount', signal, async () => {
            const upload = await this.startUpload(repo, { digest, repo: fromRepo }, signal);
            if (upload === undefined)
                return true;
            // Cancel the session the registry opened instead; it would be purged eventually anyway.
            try {
                const res = await this.exchange({ method: 'DELETE', url: upload, scopes: [pushScope(repo)], signal });
                await discard(res);
            }
            catch (err) {
                log.debug({ err: err.message }, 'cancelling an unused upload session failed');
            }
            return false;
        });
    }
}
//# sourceMappingURL=registry-pusher.js.map