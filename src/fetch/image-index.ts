/**
 * The indexes an image reader looks chunks up in, built from the bootstrap once per mount: each
 * blob's chunks in stored order (blob-order.ts), each blob's uncompressed address space
 * (blob-space.ts, for erofs mode's blob devices), and which file each chunk belongs to
 * (file-extents.ts, for the fetch policy). Each is built on first use; `prepare` builds them
 * ahead of the first read, the file index in slices of FILES_PER_SLICE files that each leave
 * the thread to whatever is waiting (the daemon's API, reads of other mounts): a container's
 * creation overlaps the build instead of queueing behind it. A read that needs the file index
 * before it is complete builds the rest at once.
 */
import type { ChunkRecord } from '../format/model.js';
import type { Bootstrap } from '../format/reader.js';
import { log } from '../log.js';
import { BlobChunkOrder } from './blob-order.js';
import { BlobAddressSpace } from './blob-space.js';
import { FileExtents, type FileExtent, type FileExtentsBuild } from './file-extents.js';

/** Files per slice of the file index's build (about 10–50 ms each on this project's machines). */
export const FILES_PER_SLICE = 500;

export class ImageIndex {
  readonly #bootstrap: Bootstrap;
  readonly #name: string;
  #orders: BlobChunkOrder[] | undefined;
  #spaces: BlobAddressSpace[] | undefined;
  #extents: FileExtents | undefined;
  #building: FileExtentsBuild | undefined;

  constructor(bootstrap: Bootstrap, name: string) {
    this.#bootstrap = bootstrap;
    this.#name = name;
  }

  order(blobIndex: number): BlobChunkOrder {
    this.#orders ??= BlobChunkOrder.ofImage(this.#bootstrap);
    return this.#orders[blobIndex]!;
  }

  space(blobIndex: number): BlobAddressSpace | undefined {
    this.#spaces ??= BlobAddressSpace.ofImage(this.#bootstrap);
    return this.#spaces[blobIndex];
  }

  /** The extent of the file `record` belongs to (undefined for none, or when the files cannot be walked). */
  extentOf(record: ChunkRecord): FileExtent | undefined {
    if (this.#extents === undefined) this.#buildFiles(Infinity);
    return this.#extents!.of(record);
  }

  /** Whether the file index is complete. */
  get filesIndexed(): boolean {
    return this.#extents !== undefined;
  }

  /**
   * Builds the chunk indexes now and the file index in slices, one per turn of the event loop,
   * until it is complete or `stopped()` says the reader is closed.
   */
  prepare(stopped: () => boolean): void {
    try {
      this.#orders ??= BlobChunkOrder.ofImage(this.#bootstrap);
      this.#spaces ??= BlobAddressSpace.ofImage(this.#bootstrap);
    } catch (err) {
      // A malformed chunk table: the reads that need it fail with the same error.
      log.warn({ image: this.#name, err: String(err) }, 'could not index the chunks of the image ahead of reads');
    }
    const slice = (): void => {
      if (!stopped() && !this.#buildFiles(FILES_PER_SLICE)) setImmediate(slice);
    };
    slice();
  }

  /** Adds up to `files` files to the file index; true when it is complete. */
  #buildFiles(files: number): boolean {
    if (this.#extents !== undefined) return true;
    try {
      this.#building ??= FileExtents.building(this.#bootstrap);
      if (this.#building.step(files)) this.#extents = this.#building.finish();
    } catch (err) {
      log.warn({ image: this.#name, err: String(err) }, 'could not map the chunks of the image to its files: reads fetch only their own chunks');
      this.#extents = FileExtents.of([]);
    }
    return this.#extents !== undefined;
  }
}
