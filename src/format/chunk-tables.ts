/**
 * What a bootstrap's tables say besides EROFS: chunking, the blobs, the chunk records and the
 * prefetch list. darner's own layout (extension-tables.ts) and Nydus RAFS v6 (rafs-tables.ts)
 * each read their tables into this shape; the Bootstrap reader then checks the chunk records
 * against the blobs and each other the same way for both.
 */
import type { ChunkIndexEntry } from './chunk-index.js';
import type { ChunkSpan } from './chunk-table.js';
import type { ErofsImage, ErofsParseOptions } from './erofs-image.js';
import type { ExtensionHeader } from './extension-header.js';
import type { BlobRecord, ChunkDigestAlgorithm, ChunkRecord, Compressor } from './model.js';
import type { Superblock } from './superblock.js';

export type BootstrapFormat = 'darner' | 'rafs-v6';

export interface ChunkTables {
  readonly format: BootstrapFormat;
  /** darner's format version: 1 its own layout, 2 RAFS v6 with the darner mark; undefined for Nydus's. */
  readonly formatVersion: number | undefined;
  /** darner's header (undefined for RAFS v6). */
  readonly header: ExtensionHeader | undefined;
  readonly chunkSize: number;
  readonly digestAlgorithm: ChunkDigestAlgorithm;
  readonly compressor: Compressor;
  /** Validated, in device order; each chunkCount is the number of chunk records in the blob. */
  readonly blobs: readonly BlobRecord[];
  readonly chunkCount: number;
  /** Record `i` without its digest (not validated: the reader does that). */
  span(i: number): ChunkSpan;
  /** Record `i` with its digest. */
  record(i: number): ChunkRecord;
  /**
   * The chunk a non-hole index entry names: its device (blob + 1) and, where the format records
   * one, the chunk's index in its blob, which must then equal `ciIndex(chunk)`. A string is the
   * rule the entry breaks on its own.
   */
  indexRef(e: ChunkIndexEntry): { deviceId: number; ciIndex?: number } | string;
  ciIndex?(chunk: number): number;
  /** Prefetch nids as stored, not yet checked against the tree. */
  readonly prefetchNids: readonly number[];
  /** RAFS v6: prefetch entries may name directories (their whole subtree). */
  readonly prefetchDirectories: boolean;
}

/** The first step of reading a layout: where its EROFS metadata ends, then its tables. */
export interface TableReader {
  erofsOptions: ErofsParseOptions;
  finish(image: ErofsImage): ChunkTables;
}

export type OpenTables = (bytes: Uint8Array, sb: Superblock) => TableReader;
