/**
 * Builds ImageMetadata for tests and fixtures: tree nodes with sensible attributes, and chunk
 * records allocated in blobs the way a converter lays them out (each chunk on a 4 KiB boundary
 * of its blob's uncompressed space, stored chunks back to back).
 */
import { createHash } from 'node:crypto';
import { CHUNK_FLAG_ZSTD, HOLE, } from '../../../src/format/model.js';
/** Default attributes: root-owned, 0644 (0755 for directories), mtime = `defaultMtime`. */
export let defaultMtime = 1_700_000_000;
export function setDefaultMtime(t) {
    defaultMtime = t;
}
function attributes(a, permissions) {
    const xattrs = new Map();
    for (const [k, v] of Object.entries(a?.xattrs ?? {}))
        xattrs.set(k, typeof v === 'string' ? Buffer.from(v) : v);
    return {
        permissions: a?.permissions ?? permissions,
        uid: a?.uid ?? 0,
        gid: a?.gid ?? 0,
        mtime: a?.mtime ?? defaultMtime,
        mtimeNsec: a?.mtimeNsec ?? 0,
        xattrs,
    };
}
export function dir(entries, a) {
    const list = Array.isArray(entries) ? entries : Object.entries(entries);
    return { kind: 'dir', ...attributes(a, 0o755), entries: new Map(list) };
}
export function file(size, chunks, a) {
    return { kind: 'file', ...attributes(a, 0o644), size, chunks };
}
export function symlink(target, a) {
    return { kind: 'symlink', ...attributes(a, 0o777), target };
}
export function device(kind, major, minor, a) {
    return { kind, ...attributes(a, 0o600), major, minor };
}
export function special(kind, a) {
    return { kind, ...attributes(a, 0o644) };
}
export function sha256(s) {
    return createHash('sha256').update(s).digest();
}
/** Allocates chunks in blobs and assembles the metadata. */
export class ModelBuilder {
    chunkSize;
    chunks = [];
    blobs = [];
    #serial = 0;
    compressor;
    /** With compressor 'none' every chunk is stored raw. */
    constructor(chunkSize, compressor = 'zstd') {
        this.chunkSize = chunkSize;
        this.compressor = compressor;
    }
    /** Adds a blob (id derived from `name`) and returns its index. */
    addBlob(name) {
        this.blobs.push({ id: sha256(`blob:${name}`).toString('hex'), compressedEnd: 0, uncompressedEnd: 0, count: 0 });
        return this.blobs.length - 1;
    }
    /** A new chunk of `length` bytes in `blob`; every third one is "zstd" (a third of its size). */
    chunk(blob, length) {
        const b = this.blobs[blob];
        const serial = this.#serial++;
        const zstd = this.compressor === 'zstd' && serial % 3 === 1;
        const stored = zstd ? Math.max(1, Math.floor(length / 3)) : length;
        const uncompressedOffset = Math.ceil(b.uncompressedEnd / 4096) * 4096;
        this.chunks.push({
            blobIndex: blob,
            compressedOffset: b.compressedEnd,
            compressedSize: stored,
            uncompressedOffset,
            uncompressedSize: length,
            flags: zstd ? CHUNK_FLAG_ZSTD : 0,
            digest: new Uint8Array(sha256(`chunk:${serial}`)),
        });
        b.compressedEnd += stored;
        b.uncompressedEnd = uncompressedOffset + length;
        b.count += 1;
        return this.chunks.length - 1;
    }
    /** Chunk slots for a new `size`-byte file in `blob`; pieces listed in `holes` are HOLE. */
    slots(size, blob, holes = []) {
        const n = Math.ceil(size / this.chunkSize);
        const out = [];
        for (let i = 0; i < n; i++) {
            const length = Math.min(this.chunkSize, size - i * this.chunkSize);
            out.push(holes.includes(i) ? HOLE : this.chunk(blob, length));
        }
        return out;
    }
    /** A regular file of `size` bytes whose data is new chunks in `blob`. */
    file(size, blob, a, holes = []) {
        return file(size, this.slots(size, blob, holes), a);
    }
    finish(root, options = {}) {
        const blobs = this.blobs.map((b) => ({
            id: b.id,
            compressedSize: b.compressedEnd,
            uncompressedSize: Math.ceil(b.uncompressedEnd / 4096) * 4096,
            chunkCount: b.count,
        }));
        return {
            chunkSize: this.chunkSize,
            digestAlgorithm: options.digestAlgorithm ?? 'blake3',
            compressor: options.compressor ?? this.compressor,
            blobs,
            chunks: this.chunks,
            root,
            prefetch: options.prefetch ?? [],
            buildTime: options.buildTime ?? defaultMtime,
        };
    }
}
//# sourceMappingURL=model-builder.js.map