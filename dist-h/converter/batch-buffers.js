/**
 * The converter's chunk memory: a fixed number of batch slots, each an input buffer that chunks
 * are cut into back to back and (when chunks are compressed) an output buffer of the same size
 * that the compressed chunks are written into. A slot is taken while a batch is filled and given
 * back once its chunks are digested, deduplicated and written; when every slot is busy the tar
 * reader waits. So the chunk data in memory is at most `count × bytes × 2`, whatever the input.
 * Slots are allocated on first use and reused across layers.
 */
export class BatchBuffers {
    count;
    bytes;
    free = [];
    created = 0;
    waiters = [];
    /**
     * @param count how many batches may be in memory at once (at least 2: one filling, one in work)
     * @param bytes the size of each buffer (at least one chunk)
     */
    constructor(count, bytes) {
        this.count = count;
        this.bytes = bytes;
        if (!Number.isSafeInteger(count) || count < 2)
            throw new RangeError(`BatchBuffers: count ${count} < 2`);
        if (!Number.isSafeInteger(bytes) || bytes < 1)
            throw new RangeError(`BatchBuffers: bytes ${bytes} < 1`);
    }
    /** A free slot, waiting for one when all are in use. */
    acquire() {
        const slot = this.free.pop();
        if (slot)
            return Promise.resolve(slot);
        if (this.created < this.count) {
            this.created += 1;
            // Unpooled: Node's small-buffer pool would keep unrelated memory alive with it.
            return Promise.resolve({ input: Buffer.allocUnsafeSlow(this.bytes), output: undefined });
        }
        return new Promise((resolve) => this.waiters.push(resolve));
    }
    outputOf(slot) {
        slot.output ??= Buffer.allocUnsafeSlow(this.bytes);
        return slot.output;
    }
    release(slot) {
        const waiter = this.waiters.shift();
        if (waiter)
            waiter(slot);
        else
            this.free.push(slot);
    }
}
//# sourceMappingURL=batch-buffers.js.map