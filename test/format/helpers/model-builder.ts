/**
 * Builds ImageMetadata for tests and fixtures: tree nodes with sensible attributes, and chunk
 * records allocated in blobs the way a converter lays them out (each chunk on a 4 KiB boundary
 * of its blob's uncompressed space, stored chunks back to back).
 */
import { createHash } from 'node:crypto';
import {
  CHUNK_FLAG_ZSTD,
  HOLE,
  type BlobRecord,
  type ChunkRecord,
  type ChunkSlot,
  type DeviceNode,
  type DirectoryNode,
  type FileNode,
  type ImageMetadata,
  type InodeAttributes,
  type SpecialNode,
  type SymlinkNode,
  type TreeNode,
} from '../../../src/format/model.js';

export type Attrs = Partial<Omit<InodeAttributes, 'xattrs'>> & { xattrs?: Record<string, Uint8Array | string> };

/** Default attributes: root-owned, 0644 (0755 for directories), mtime = `defaultMtime`. */
export let defaultMtime = 1_700_000_000;

export function setDefaultMtime(t: number): void {
  defaultMtime = t;
}

function attributes(a: Attrs | undefined, permissions: number): InodeAttributes {
  const xattrs = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(a?.xattrs ?? {})) xattrs.set(k, typeof v === 'string' ? Buffer.from(v) : v);
  return {
    permissions: a?.permissions ?? permissions,
    uid: a?.uid ?? 0,
    gid: a?.gid ?? 0,
    mtime: a?.mtime ?? defaultMtime,
    mtimeNsec: a?.mtimeNsec ?? 0,
    xattrs,
  };
}

export function dir(entries: Record<string, TreeNode> | Array<[string, TreeNode]>, a?: Attrs): DirectoryNode {
  const list = Array.isArray(entries) ? entries : Object.entries(entries);
  return { kind: 'dir', ...attributes(a, 0o755), entries: new Map(list) };
}

export function file(size: number, chunks: ChunkSlot[], a?: Attrs): FileNode {
  return { kind: 'file', ...attributes(a, 0o644), size, chunks };
}

export function symlink(target: string, a?: Attrs): SymlinkNode {
  return { kind: 'symlink', ...attributes(a, 0o777), target };
}

export function device(kind: 'chardev' | 'blockdev', major: number, minor: number, a?: Attrs): DeviceNode {
  return { kind, ...attributes(a, 0o600), major, minor };
}

export function special(kind: 'fifo' | 'socket', a?: Attrs): SpecialNode {
  return { kind, ...attributes(a, 0o644) };
}

export function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Allocates chunks in blobs and assembles the metadata. */
export class ModelBuilder {
  readonly chunkSize: number;
  readonly chunks: ChunkRecord[] = [];
  readonly blobs: Array<{ id: string; compressedEnd: number; uncompressedEnd: number; count: number }> = [];
  #serial = 0;

  readonly compressor: 'zstd' | 'none';

  /**
   * With `holes` false every zero piece a model asks for (`zeros`, `slots` with holes) becomes a
   * stored chunk instead of HOLE, as `darner convert` writes it; Nydus's tools refuse holes.
   */
  readonly holes: boolean;

  /** With compressor 'none' every chunk is stored raw. */
  constructor(chunkSize: number, compressor: 'zstd' | 'none' = 'zstd', options: { holes?: boolean } = {}) {
    this.chunkSize = chunkSize;
    this.compressor = compressor;
    this.holes = options.holes ?? true;
  }

  /** Adds a blob (id derived from `name`) and returns its index. */
  addBlob(name: string): number {
    this.blobs.push({ id: sha256(`blob:${name}`).toString('hex'), compressedEnd: 0, uncompressedEnd: 0, count: 0 });
    return this.blobs.length - 1;
  }

  /** A new chunk of `length` bytes in `blob`; every third one is "zstd" (a third of its size). */
  chunk(blob: number, length: number): number {
    const b = this.blobs[blob]!;
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

  /** A zero piece of `length` bytes: HOLE, or a new chunk in `blob` when the builder writes no holes. */
  zeros(blob: number, length: number): ChunkSlot {
    return this.holes ? HOLE : this.chunk(blob, length);
  }

  /** Chunk slots for a new `size`-byte file in `blob`; pieces listed in `holes` are zero pieces. */
  slots(size: number, blob: number, holes: number[] = []): ChunkSlot[] {
    const n = Math.ceil(size / this.chunkSize);
    const out: ChunkSlot[] = [];
    for (let i = 0; i < n; i++) {
      const length = Math.min(this.chunkSize, size - i * this.chunkSize);
      out.push(holes.includes(i) ? this.zeros(blob, length) : this.chunk(blob, length));
    }
    return out;
  }

  /** A regular file of `size` bytes whose data is new chunks in `blob`. */
  file(size: number, blob: number, a?: Attrs, holes: number[] = []): FileNode {
    return file(size, this.slots(size, blob, holes), a);
  }

  finish(
    root: DirectoryNode,
    options: { buildTime?: number; prefetch?: FileNode[]; digestAlgorithm?: 'blake3' | 'sha256'; compressor?: 'zstd' | 'none' } = {},
  ): ImageMetadata {
    const blobs: BlobRecord[] = this.blobs.map((b) => ({
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
