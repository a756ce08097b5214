/**
 * The blob cache directory: `<dir>/lock` (one process), `<dir>/blobs/<id>/` per blob
 * (blob-files.ts). Leases keep a blob's files open and out of gc's reach; acquire and gc run
 * under one mutex so that gc never deletes a blob that is being opened. Every directory is 0700
 * and every file 0600, and nothing inside the cache directory is followed (private-files.ts).
 */
import { constants } from 'node:fs';
import { lstat, lutimes, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, UnsafeCacheFileError } from '../errors.js';
import { BLOCK_SIZE } from '../format/model.js';
import { log } from '../log.js';
import { BLOB_ID } from '../util/hex-id.js';
import { FILE_CHUNKS, FILE_DATA, FILE_READY, FILE_STORED, FILE_USED } from './blob-files.js';
import { lockDirectory } from './dir-lock.js';
import { openBlobFiles } from './open-blob-files.js';
import { checkExistingCacheRoot, makeCacheRoot, makePrivateDir, openPrivateFile, readPrivateFile } from './private-files.js';
import { cacheMetrics } from './metrics.js';
import { Mutex } from './mutex.js';
import { BlockBitmap, READY_HEADER_SIZE, blockCount, decodeReadyHeader } from './ready-bitmap.js';
function allocated(st) {
    return st === undefined ? 0 : st.blocks * 512;
}
async function statOrUndefined(path) {
    return lstat(path).then((s) => ({ blocks: s.blocks, mtime: s.mtime }), () => undefined);
}
class Lease {
    blob;
    cache;
    #released = false;
    constructor(blob, cache) {
        this.blob = blob;
        this.cache = cache;
    }
    retain() {
        if (this.#released)
            throw new InvalidArgumentError(`blob ${this.blob.id}: retain of a released lease`);
        return this.cache.lease(this.blob);
    }
    async release() {
        if (this.#released)
            return;
        this.#released = true;
        await this.cache.drop(this.blob);
    }
}
export class DiskBlobCache {
    dir;
    #blobsDir;
    #keepStored;
    #touchIntervalMs;
    #open = new Map();
    #lastTouch = new Map();
    #mutex = new Mutex();
    #listeners = new Set();
    #metrics;
    #unlock;
    #closed = false;
    #sizeCache;
    constructor(options, unlock) {
        this.dir = options.dir;
        this.#blobsDir = join(options.dir, 'blobs');
        this.#keepStored = options.keepStored ?? true;
        this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
        this.#unlock = unlock;
        this.#metrics = cacheMetrics(options.metrics, () => this.#sizeForMetrics());
    }
    static async open(options) {
        await makeCacheRoot(options.dir);
        const lock = await lockDirectory(options.dir);
        try {
            await makePrivateDir(join(options.dir, 'blobs'));
        }
        catch (err) {
            await lock.release();
            throw err;
        }
        return new DiskBlobCache(options, () => lock.release());
    }
    /**
     * The usage of an existing cache directory, read without creating anything and without its
     * lock (a daemon may hold it): what `darner cache ls --cache DIR` shows with no daemon.
     */
    static async inspect(dir) {
        await checkExistingCacheRoot(dir);
        const cache = new DiskBlobCache({ dir }, async () => undefined);
        return cache.usage();
    }
    #blobDir(id) {
        return join(this.#blobsDir, id);
    }
    #checkId(id) {
        if (!BLOB_ID.test(id))
            throw new InvalidArgumentError(`blob id ${JSON.stringify(id)} is not 64 lowercase hex digits`);
    }
    #checkOpen() {
        if (this.#closed)
            throw new InvalidArgumentError(`blob cache ${this.dir} is closed`);
    }
    async acquire(identity) {
        this.#checkOpen();
        this.#checkId(identity.id);
        for (const size of [identity.compressedSize, identity.uncompressedSize])
            if (!Number.isSafeInteger(size) || size < 0)
                throw new InvalidArgumentError(`blob ${identity.id}: bad size ${size}`);
        return this.#mutex.run(async () => {
            this.#checkOpen();
            let blob = this.#open.get(identity.id);
            if (blob !== undefined) {
                if (blob.compressedSize !== identity.compressedSize || blob.uncompressedSize !== identity.uncompressedSize)
                    throw new InvalidArgumentError(`blob ${identity.id} is open with sizes ${blob.compressedSize}/${blob.uncompressedSize}, not ${identity.compressedSize}/${identity.uncompressedSize}`);
            }
            else {
                try {
                    blob = await openBlobFiles(this.#blobDir(identity.id), identity, {
                        keepStored: this.#keepStored,
                        metrics: this.#metrics,
                        emit: (event) => this.#emit(event),
                        used: () => this.touchSoon(identity.id),
                    });
                }
                catch (err) {
                    if (err instanceof UnsafeCacheFileError) {
                        this.#metrics.unsafeEntries.inc();
                        log.error({ blob: identity.id, path: err.path, err: err.message }, 'blob cache: refused an entry the daemon did not make');
                    }
                    throw err;
                }
                this.#open.set(identity.id, blob);
            }
            const lease = this.lease(blob);
            await this.touch(identity.id);
            return lease;
        });
    }
    async acquireExisting(id) {
        this.#checkOpen();
        if (!BLOB_ID.test(id))
            return undefined;
        const open = this.#open.get(id);
        if (open !== undefined && open.refs > 0)
            return this.lease(open);
        const bytes = await readPrivateFile(join(this.#blobDir(id), FILE_READY));
        const header = bytes === undefined ? undefined : decodeReadyHeader(bytes.subarray(0, READY_HEADER_SIZE));
        if (header === undefined || typeof header === 'string')
            return undefined;
        // Refused files (counted and logged by acquire) are declined like absent ones.
        return this.acquire({ id, ...header }).catch((err) => (err instanceof UnsafeCacheFileError ? undefined : Promise.reject(err)));
    }
    /** @internal a new lease on an open blob. */
    lease(blob) {
        blob.refs += 1;
        return new Lease(blob, this);
    }
    /** @internal drops one lease; the last one closes the files. */
    async drop(blob) {
        blob.refs -= 1;
        if (blob.refs > 0)
            return;
        await this.#mutex.run(async () => {
            if (blob.refs > 0 || this.#open.get(blob.id) !== blob)
                return;
            this.#open.delete(blob.id);
            await blob.close();
        });
    }
    async touch(id) {
        this.#checkId(id);
        const now = new Date();
        this.#lastTouch.set(id, now.getTime());
        const path = join(this.#blobDir(id), FILE_USED);
        try {
            // lutimes: a symlink planted as `used` gets its own times changed, not its target's.
            await lutimes(path, now, now);
        }
        catch {
            await openPrivateFile(path, constants.O_WRONLY | constants.O_CREAT).then((h) => h.close()).catch(() => undefined);
        }
    }
    /** Touches at most every touchIntervalMs per blob (called on reads). */
    touchSoon(id) {
        const last = this.#lastTouch.get(id) ?? 0;
        if (Date.now() - last < this.#touchIntervalMs)
            return;
        this.touch(id).catch(() => undefined);
    }
    async #ids() {
        const names = await readdir(this.#blobsDir).catch(() => []);
        return names.filter((n) => BLOB_ID.test(n)).sort();
    }
    async #usageOf(id) {
        const dir = this.#blobDir(id);
        const [data, stored, ready, chunks, used] = await Promise.all([FILE_DATA, FILE_STORED, FILE_READY, FILE_CHUNKS, FILE_USED].map((f) => statOrUndefined(join(dir, f))));
        const open = this.#open.get(id);
        let sizes = open;
        let readyChunks = open?.readyCount ?? 0;
        if (open === undefined) {
            const bytes = await readPrivateFile(join(dir, FILE_READY));
            const header = bytes === undefined ? undefined : decodeReadyHeader(bytes);
            if (bytes !== undefined && header !== undefined && typeof header !== 'string') {
                sizes = header;
                readyChunks = new BlockBitmap(blockCount(header.uncompressedSize), bytes.subarray(READY_HEADER_SIZE)).count;
            }
        }
        const dataAllocatedBytes = allocated(data);
        const storedAllocatedBytes = allocated(stored);
        return {
            id,
            compressedSize: sizes?.compressedSize ?? 0,
            uncompressedSize: sizes?.uncompressedSize ?? 0,
            allocatedBytes: dataAllocatedBytes + storedAllocatedBytes + allocated(ready) + allocated(chunks),
            dataAllocatedBytes,
            storedAllocatedBytes,
            readyChunks,
            lastUse: used?.mtime ?? ready?.mtime ?? new Date(0),
            references: open?.refs ?? 0,
        };
    }
    async usage() {
        const out = [];
        for (const id of await this.#ids()) {
            const u = await this.#usageOf(id);
            if (u !== undefined)
                out.push(u);
        }
        return out;
    }
    #sizeForMetrics() {
        // A scrape stats every blob's files; several scrapes within a second share one pass.
        const now = Date.now();
        if (this.#sizeCache === undefined || now - this.#sizeCache.at > 1000) {
            const value = this.usage().then((all) => ({ bytes: all.reduce((s, u) => s + u.allocatedBytes, 0), blobs: all.length }));
            this.#sizeCache = { at: now, value: value.catch(() => ({ bytes: 0, blobs: 0 })) };
        }
        return this.#sizeCache.value;
    }
    async gc(options = {}) {
        this.#checkOpen();
        const keep = new Set(options.keep ?? []);
        return this.#mutex.run(async () => {
            const names = await readdir(this.#blobsDir).catch(() => []);
            const result = await this.#removeUnheld(names.filter((name) => !keep.has(name)));
            if (result.removed.length > 0)
                log.info({ removed: result.removed.length, freedBytes: result.freedBytes }, 'blob cache: gc removed unreferenced blobs');
            return result;
        });
    }
    async remove(ids) {
        this.#checkOpen();
        const wanted = [...ids].filter((id) => BLOB_ID.test(id));
        return this.#mutex.run(async () => {
            const present = new Set(await this.#ids());
            return this.#removeUnheld(wanted.filter((id) => present.has(id)));
        });
    }
    /** Deletes the entries `names` of blobs/ that no lease holds. Runs under the mutex. */
    async #removeUnheld(names) {
        const removed = [];
        let freedBytes = 0;
        for (const name of names) {
            if (this.#open.has(name))
                continue;
            if (BLOB_ID.test(name)) {
                const u = await this.#usageOf(name);
                freedBytes += u?.allocatedBytes ?? 0;
            }
            // Anything else under blobs/ (a stray name) is not ours to keep either.
            await rm(join(this.#blobsDir, name), { recursive: true, force: true });
            if (BLOB_ID.test(name)) {
                removed.push(name);
                this.#lastTouch.delete(name);
                this.#emit({ type: 'removed', blobId: name });
            }
        }
        this.#sizeCache = undefined;
        return { removed, freedBytes };
    }
    async *heldChunks() {
        for (const id of await this.#ids()) {
            const open = this.#open.get(id);
            if (open !== undefined) {
                const offsets = open.readyOffsets();
                if (offsets.length > 0)
                    yield { blobId: id, offsets };
                continue;
            }
            const bytes = await readPrivateFile(join(this.#blobDir(id), FILE_READY));
            const header = bytes === undefined ? undefined : decodeReadyHeader(bytes);
            if (bytes === undefined || header === undefined || typeof header === 'string')
                continue;
            const bits = new BlockBitmap(blockCount(header.uncompressedSize), bytes.subarray(READY_HEADER_SIZE));
            const offsets = [...bits.setBlocks()].map((b) => b * BLOCK_SIZE);
            if (offsets.length > 0)
                yield { blobId: id, offsets };
        }
    }
    onChange(listener) {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
    }
    #emit(event) {
        for (const listener of this.#listeners) {
            try {
                listener(event);
            }
            catch (err) {
                log.error({ err }, 'blob cache: a change listener threw');
            }
        }
    }
    async close() {
        if (this.#closed)
            return;
        await this.#mutex.run(async () => {
            this.#closed = true;
            await Promise.all([...this.#open.values()].map((b) => b.close()));
            this.#open.clear();
        });
        await this.#unlock();
    }
}
//# sourceMappingURL=blob-cache.js.map