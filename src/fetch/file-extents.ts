/**
 * Which file a stored chunk belongs to, and where that file lies in its blob: what the fetch
 * policy for cold reads needs (neighbours.ts, image-reader.ts). A read reaches the reader either
 * as a file read (FUSE mode: inode, offset) or as a range of a blob device (erofs mode: the
 * kernel reads the blob's uncompressed space by blocks, blob-space.ts maps that to chunks); both
 * end as chunk records, and this map takes a chunk back to its file.
 *
 * Pure: built from each file's chunk records (ofImage walks a bootstrap for them). A chunk shared
 * by several files (deduplicated) belongs to the first file given.
 */
import { HOLE } from '../format/model.js';
import type { Bootstrap } from '../format/reader.js';

/** A chunk as the map needs it: where it is stored. */
export interface ExtentChunk {
  blobIndex: number;
  compressedOffset: number;
  compressedSize: number;
}

/** One file's stored bytes in one blob. */
export interface FileExtent {
  blobIndex: number;
  /** Stored offset of the file's first chunk in the blob. */
  start: number;
  /** Stored offset just past the file's last chunk in the blob. */
  end: number;
  /** Stored bytes of the file's own chunks in the blob (the extent minus what lies between them). */
  bytes: number;
}

export class FileExtents {
  /** Per blob: the extent of the file each chunk (by stored offset) belongs to. */
  readonly #byBlob = new Map<number, Map<number, FileExtent>>();

  /** `files`: each file's chunk records (holes left out), in the order files should own shared chunks. */
  static of(files: Iterable<Iterable<ExtentChunk>>): FileExtents {
    const map = new FileExtents();
    for (const chunks of files) {
      const extents = new Map<number, FileExtent>();
      const seen = new Set<string>();
      for (const c of chunks) {
        const key = `${c.blobIndex}:${c.compressedOffset}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let blob = map.#byBlob.get(c.blobIndex);
        if (blob === undefined) map.#byBlob.set(c.blobIndex, (blob = new Map()));
        if (blob.has(c.compressedOffset)) continue;
        let extent = extents.get(c.blobIndex);
        if (extent === undefined) {
          extent = { blobIndex: c.blobIndex, start: c.compressedOffset, end: c.compressedOffset + c.compressedSize, bytes: 0 };
          extents.set(c.blobIndex, extent);
        }
        extent.start = Math.min(extent.start, c.compressedOffset);
        extent.end = Math.max(extent.end, c.compressedOffset + c.compressedSize);
        extent.bytes += c.compressedSize;
        blob.set(c.compressedOffset, extent);
      }
    }
    return map;
  }

  /** The regular files of an image, each once (hard links name one inode), in walk order. */
  static ofImage(bootstrap: Bootstrap): FileExtents {
    const seen = new Set<number>();
    function* files(): Generator<ExtentChunk[]> {
      for (const { nid } of bootstrap.walk()) {
        if (seen.has(nid)) continue;
        seen.add(nid);
        if (bootstrap.inode(nid).kind !== 'file') continue;
        yield bootstrap.fileChunks(nid).flatMap((slot) => (slot === HOLE ? [] : [bootstrap.chunk(slot)]));
      }
    }
    return FileExtents.of(files());
  }

  /** The extent of the file chunk `c` belongs to; undefined for a chunk no file names. */
  of(c: ExtentChunk): FileExtent | undefined {
    return this.#byBlob.get(c.blobIndex)?.get(c.compressedOffset);
  }
}
