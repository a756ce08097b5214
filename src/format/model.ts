/**
 * The in-memory model of a darner image's metadata: the file tree plus the blob and chunk tables.
 * The converter builds it, the bootstrap writer encodes it, and the bootstrap reader answers the
 * same questions from the encoded bytes. Pure data: no I/O here.
 */

/** Digest algorithms a chunk digest may use. Chunk digests are always 32 bytes. */
export type ChunkDigestAlgorithm = 'blake3' | 'sha256';

/** How a chunk's bytes are stored in its data blob. */
export type Compressor = 'zstd' | 'none';

/** Size of an EROFS block and the alignment of every chunk in a blob's uncompressed space. */
export const BLOCK_SIZE = 4096;

/** The smallest and largest chunk sizes darner writes (both inclusive, powers of two). */
export const MIN_CHUNK_SIZE = 4096;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/** One data blob: one per converted layer that contributed new chunks (or one from a chunk dict). */
export interface BlobRecord {
  /** sha256 hex (64 chars, no prefix) of the blob's stored bytes: its OCI layer digest. */
  id: string;
  /** Bytes of the blob as stored in the registry (compressed chunks back to back, then its meta). */
  compressedSize: number;
  /**
   * Where the blob's chunk-info array (blob-meta.ts) begins: the end of its chunk data. The array
   * of chunkCount entries and its 4096-byte header then fill the blob to compressedSize. Absent
   * for a blob that holds only chunks (format version 2 before blob meta, and chunk-dictionary
   * blobs this image uses only some chunks of).
   */
  chunkInfoOffset?: number;
  /** Size of the blob's uncompressed address space: every chunk starts on a BLOCK_SIZE boundary. */
  uncompressedSize: number;
  /** Number of chunk-table entries that live in this blob. */
  chunkCount: number;
}

/** Chunk flag: the stored bytes are one zstd frame (otherwise they are the raw bytes). */
export const CHUNK_FLAG_ZSTD = 0x1;

/** One unique chunk. Chunks are listed once however many files (or layers) use them. */
export interface ChunkRecord {
  /** Index into the blob table. */
  blobIndex: number;
  /** Offset and length of the stored (possibly compressed) bytes within the blob. */
  compressedOffset: number;
  compressedSize: number;
  /** Offset (a multiple of BLOCK_SIZE) and exact length of the bytes in the uncompressed space. */
  uncompressedOffset: number;
  uncompressedSize: number;
  /** CHUNK_FLAG_* bits. */
  flags: number;
  /** Digest of the uncompressed bytes (32 bytes, algorithm from the bootstrap header). */
  digest: Uint8Array;
}

/** Attributes every inode has. */
export interface InodeAttributes {
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777); the type comes from `kind`. */
  permissions: number;
  uid: number;
  gid: number;
  /** Modification time: whole seconds since the epoch (may be negative) and nanoseconds. */
  mtime: number;
  mtimeNsec: number;
  /** Extended attributes by full name (`user.x`, `trusted.overlay.opaque`, `security.capability`). */
  xattrs: Map<string, Uint8Array>;
}

/** A chunk slot of a regular file: an index into the chunk table, or HOLE for all-zero data. */
export type ChunkSlot = number;
export const HOLE: ChunkSlot = -1;

export interface FileNode extends InodeAttributes {
  kind: 'file';
  size: number;
  /** One slot per chunkSize-sized piece of the file, ceil(size / chunkSize) of them. */
  chunks: ChunkSlot[];
}

export interface DirectoryNode extends InodeAttributes {
  kind: 'dir';
  /** Children by name (no `.` or `..`). Names are 1..255 bytes of UTF-8 without `/` or NUL. */
  entries: Map<string, TreeNode>;
}

export interface SymlinkNode extends InodeAttributes {
  kind: 'symlink';
  target: string;
}

export interface DeviceNode extends InodeAttributes {
  kind: 'chardev' | 'blockdev';
  major: number;
  minor: number;
}

export interface SpecialNode extends InodeAttributes {
  kind: 'fifo' | 'socket';
}

/**
 * A node of the image tree. A hard link is the same node object appearing under two or more
 * names (never a directory); the writer gives it one inode and the right nlink.
 */
export type TreeNode = FileNode | DirectoryNode | SymlinkNode | DeviceNode | SpecialNode;
export type NodeKind = TreeNode['kind'];

/** Everything the bootstrap holds. */
export interface ImageMetadata {
  chunkSize: number;
  digestAlgorithm: ChunkDigestAlgorithm;
  compressor: Compressor;
  /** Blob table, in device-table order (blob i is EROFS device i + 1). */
  blobs: BlobRecord[];
  /** Chunk table. */
  chunks: ChunkRecord[];
  root: DirectoryNode;
  /** Regular files to fetch in the background when the image is mounted, in this order. */
  prefetch: FileNode[];
  /** Seconds since the epoch written as the EROFS build time. */
  buildTime: number;
}
