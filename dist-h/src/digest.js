/**
 * Digests darner uses: sha256 of manifests, configs and blobs (node:crypto, which is OpenSSL with
 * SHA-NI: fast enough on the main thread for streams), and chunk digests (blake3 or sha256, 32
 * bytes) from the native addon, batched so that many chunks cost one crossing and no time on the
 * JavaScript thread.
 */
import { createHash } from 'node:crypto';
import { digestBatch, digestRanges, digestSync } from './native.js';
/** Hex sha256 of `data` (64 characters). */
export function sha256Hex(data) {
    return createHash('sha256').update(data).digest('hex');
}
/** OCI digest string of `data`: `sha256:<hex>`. */
export function sha256Digest(data) {
    return `sha256:${sha256Hex(data)}`;
}
/** Streaming sha256 for data that arrives in pieces (a blob being written or downloaded). */
export class Sha256Hasher {
    hash = createHash('sha256');
    bytes = 0;
    update(data) {
        this.hash.update(data);
        this.bytes += data.byteLength;
        return this;
    }
    /** Bytes fed so far. */
    get size() {
        return this.bytes;
    }
    /** Hex sha256 of everything fed; the hasher cannot be used afterwards. */
    hex() {
        return this.hash.digest('hex');
    }
    /** `sha256:<hex>` of everything fed; the hasher cannot be used afterwards. */
    digest() {
        return `sha256:${this.hex()}`;
    }
}
/** Chunk digests of `chunks`, in order, computed in parallel off the JavaScript thread. */
export function chunkDigests(algorithm, chunks) {
    return digestBatch(algorithm, chunks);
}
/**
 * Chunk digests of consecutive pieces of one buffer (piece i is `lengths[i]` bytes), off the
 * JavaScript thread: a file read whole is digested without making a Buffer per chunk.
 */
export function chunkDigestsOfRanges(algorithm, data, lengths) {
    return digestRanges(algorithm, data, lengths);
}
/** The chunk digest of one (small) buffer, on the calling thread. */
export function chunkDigest(algorithm, data) {
    return digestSync(algorithm, data);
}
//# sourceMappingURL=digest.js.map