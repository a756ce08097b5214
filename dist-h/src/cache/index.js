/**
 * The blob cache (one per daemon): per blob a sparse uncompressed `data` file (a complete one is
 * the device the kernel's EROFS driver expects), a sparse `stored` mirror of the compressed
 * bytes (what the P2P peer serves), and a persistent chunk-ready bitmap. docs/cache.md.
 *
 *   const cache = await openBlobCache({ dir, metrics: registry });
 *   const lease = await cache.acquire(bootstrap.blobs[0]);   // files open, safe from gc
 *   await lease.blob.readChunk(record, 'blake3');            // verified bytes or undefined
 *   await lease.release();
 */
import { DiskBlobCache } from './blob-cache.js';
/** Opens (creating) the cache at `options.dir` and takes its lock (CacheLockedError if held). */
export function openBlobCache(options) {
    return DiskBlobCache.open(options);
}
/** The usage of the existing cache at `dir`, read only: creates nothing, takes no lock (CacheDirError when there is no such directory). */
export function inspectBlobCache(dir) {
    return DiskBlobCache.inspect(dir);
}
//# sourceMappingURL=index.js.map