import { log } from '../log.js';
import { BlobChunkOrder } from './blob-order.js';
import { BlobAddressSpace } from './blob-space.js';
import { FileExtents } from './file-extents.js';
/** Files per slice of the file index's build (about 10–50 ms each on this project's machines). */
export const FILES_PER_SLICE = 500;
export class ImageIndex {
    #bootstrap;
    #name;
    #orders;
    #spaces;
    #extents;
    #building;
    constructor(bootstrap, name) {
        this.#bootstrap = bootstrap;
        this.#name = name;
    }
    order(blobIndex) {
        this.#orders ??= BlobChunkOrder.ofImage(this.#bootstrap);
        return this.#orders[blobIndex];
    }
    space(blobIndex) {
        this.#spaces ??= BlobAddressSpace.ofImage(this.#bootstrap);
        return this.#spaces[blobIndex];
    }
    /** The extent of the file `record` belongs to (undefined for none, or when the files cannot be walked). */
    extentOf(record) {
        if (this.#extents === undefined)
            this.#buildFiles(Infinity);
        return this.#extents.of(record);
    }
    /** Whether the file index is complete. */
    get filesIndexed() {
        return this.#extents !== undefined;
    }
    /**
     * Builds the chunk indexes now and the file index in slices, one per turn of the event loop,
     * until it is complete or `stopped()` says the reader is closed.
     */
    prepare(stopped) {
        try {
            this.#orders ??= BlobChunkOrder.ofImage(this.#bootstrap);
            this.#spaces ??= BlobAddressSpace.ofImage(this.#bootstrap);
        }
        catch (err) {
            // A malformed chunk table: the reads that need it fail with the same error.
            log.warn({ image: this.#name, err: String(err) }, 'could not index the chunks of the image ahead of reads');
        }
        const slice = () => {
            if (!stopped() && !this.#buildFiles(FILES_PER_SLICE))
                setImmediate(slice);
        };
        slice();
    }
    /** Adds up to `files` files to the file index; true when it is complete. */
    #buildFiles(files) {
        if (this.#extents !== undefined)
            return true;
        try {
            this.#building ??= FileExtents.building(this.#bootstrap);
            if (this.#building.step(files))
                this.#extents = this.#building.finish();
        }
        catch (err) {
            log.warn({ image: this.#name, err: String(err) }, 'could not map the chunks of the image to its files: reads fetch only their own chunks');
            this.#extents = FileExtents.of([]);
        }
        return this.#extents !== undefined;
    }
}
//# sourceMappingURL=image-index.js.map