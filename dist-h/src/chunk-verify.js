/**
 * Chunk verification: the only way to make a VerifiedChunk, the only kind of chunk the blob cache
 * accepts (src/cache), so bytes that failed (or skipped) their digest can never land there.
 *
 * Stored bytes from any source (origin, peer) are decoded and digested in one native batch per
 * fetched range (native/src/decode.rs: zstd + blake3/sha256 on the rayon pool, never on the
 * JavaScript thread); cached data is re-digested with the batch digest. Why native: docs/cache.md.
 */
import { CorruptChunkError, DigestMismatchError } from './errors.js';
import { decodeVerifyBatch, digestBatch } from './native.js';
const MINT = Symbol('VerifiedChunk');
/**
 * A chunk whose uncompressed bytes matched its recorded digest. `data` is the uncompressed bytes
 * (exactly `record.uncompressedSize`), `stored` the bytes as stored in the blob (exactly
 * `record.compressedSize`). Only this module can make one.
 */
export class VerifiedChunk {
    /** The blob it belongs to (sha256 hex). */
    blobId;
    algorithm;
    record;
    data;
    stored;
    /** @internal use verifyStoredRange */
    constructor(token, blobId, algorithm, record, data, stored) {
        if (token !== MINT)
            throw new TypeError('a VerifiedChunk is made by verifyStoredRange only');
        this.blobId = blobId;
        this.algorithm = algorithm;
        this.record = record;
        this.data = data;
        this.stored = stored;
    }
    /** True for a real VerifiedChunk (a structural look-alike is refused at run time too). */
    static is(value) {
        return value instanceof VerifiedChunk;
    }
}
/** Status codes of the native batch (native/src/decode.rs). */
const STATUS_OK = 0;
const STATUS_DIGEST_MISMATCH = 1;
const STATUS_BAD_FRAME = 2;
const STATUS_WRONG_SIZE = 3;
const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
/**
 * Decodes and verifies the chunks `records` cut out of `range`, the stored bytes of blob
 * `blobId` from compressed offset `rangeOffset`. Every record must lie inside the range (a
 * programming error otherwise: RangeError). Returns one verdict per record, in order. The work
 * runs off the JavaScript thread; `range` must not change until the promise settles.
 */
export async function verifyStoredRange(algorithm, blobId, range, rangeOffset, records) {
    const layout = new Array(records.length * 4);
    const digests = Buffer.allocUnsafe(records.length * 32);
    records.forEach((r, i) => {
        const at = r.compressedOffset - rangeOffset;
        if (at < 0 || at + r.compressedSize > range.length)
            throw new RangeError(`chunk at ${r.compressedOffset}+${r.compressedSize} is outside the range ${rangeOffset}+${range.length}`);
        layout[i * 4] = at;
        layout[i * 4 + 1] = r.compressedSize;
        layout[i * 4 + 2] = r.uncompressedSize;
        layout[i * 4 + 3] = r.flags;
        digests.set(r.digest, i * 32);
    });
    const result = await decodeVerifyBatch(algorithm, range, layout, digests);
    const verdicts = [];
    let out = 0;
    records.forEach((r, i) => {
        const status = result.status[i];
        const what = `blob ${blobId} chunk at ${r.uncompressedOffset}`;
        const data = result.data.subarray(out, out + r.uncompressedSize);
        out += r.uncompressedSize;
        if (status === STATUS_OK) {
            const at = r.compressedOffset - rangeOffset;
            verdicts.push({ ok: true, chunk: new VerifiedChunk(MINT, blobId, algorithm, r, data, range.subarray(at, at + r.compressedSize)) });
        }
        else if (status === STATUS_DIGEST_MISMATCH) {
            const actual = result.digests.subarray(i * 32, i * 32 + 32);
            verdicts.push({ ok: false, record: r, error: new DigestMismatchError(what, hex(r.digest), hex(actual)) });
        }
        else if (status === STATUS_BAD_FRAME || status === STATUS_WRONG_SIZE) {
            const why = status === STATUS_BAD_FRAME ? 'zstd frame does not decode' : `does not decode to ${r.uncompressedSize} bytes`;
            verdicts.push({ ok: false, record: r, error: new CorruptChunkError(`${what}: ${why}`) });
        }
        else {
            throw new RangeError(`native decode returned unknown status ${String(status)}`);
        }
    });
    return verdicts;
}
/**
 * True when each `data[i]` (uncompressed bytes read back from a cache file) matches
 * `records[i]`'s size and digest. Digested off the JavaScript thread.
 */
export async function verifyChunkData(algorithm, records, data) {
    const digests = await digestBatch(algorithm, data);
    return records.map((r, i) => data[i].byteLength === r.uncompressedSize && Buffer.compare(digests[i], r.digest) === 0);
}
//# sourceMappingURL=chunk-verify.js.map