/**
 * Reusable chunk buffers. Every chunk needs an ArrayBuffer of its own (it is transferred whole to
 * a compression worker and back), and allocating a fresh one per chunk costs page faults, mmap
 * and munmap for large ones, and garbage-collector work: about a quarter of the converter's CPU
 * on a root filesystem of small files. Buffers come in power-of-two size classes and are handed
 * out as views of exactly the requested length.
 */

const MIN_CLASS_BITS = 12; // 4 KiB

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private freeBytes = 0;

  /** @param maxFreeBytes how many bytes of idle buffers to keep for reuse */
  constructor(private readonly maxFreeBytes: number) {}

  /** A view of `length` bytes on a buffer that the caller owns until it calls release(). */
  acquire(length: number): Uint8Array {
    const capacity = classCapacity(length);
    const list = this.free.get(capacity);
    const buffer = list?.pop();
    if (buffer) {
      this.freeBytes -= capacity;
      return new Uint8Array(buffer, 0, length);
    }
    return new Uint8Array(new ArrayBuffer(capacity), 0, length);
  }

  /** Gives a buffer back; it must not be used afterwards. Buffers not from this pool are dropped. */
  release(view: Uint8Array): void {
    const buffer = view.buffer as ArrayBuffer;
    const capacity = buffer.byteLength;
    if (capacity === 0 || classCapacity(capacity) !== capacity) return; // detached or foreign
    if (this.freeBytes + capacity > this.maxFreeBytes) return;
    let list = this.free.get(capacity);
    if (!list) this.free.set(capacity, (list = []));
    list.push(buffer);
    this.freeBytes += capacity;
  }
}

function classCapacity(length: number): number {
  return 2 ** Math.max(MIN_CLASS_BITS, Math.ceil(Math.log2(Math.max(1, length))));
}
