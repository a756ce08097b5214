/**
 * Streamed layer bytes reach the converter in fresh Buffers (file reads, downloads, gunzip
 * output) that are copied into a batch buffer at once and are garbage from then on (an
 * uncompressed local layer is read through one reused buffer instead: layer-file.ts). V8 returns their memory only when it
 * collects the objects that hold them, and it starts such a collection by itself only once
 * external memory has grown by its soft limit (V8_EXTERNAL_GARBAGE_BYTES in memory-bound.ts).
 * When the process exposes `gc` (the process `darner convert` runs in does: convert-process.ts),
 * the converter collects after every GC_PACE_BYTES of tar input instead, which bounds that
 * garbage by the pace, counted in bytes, not by V8's limit.
 */

/** Tar bytes between two collections: a full collection of the converter's heap costs a few ms. */
export const GC_PACE_BYTES = 32 << 20;

/** Calls `collect` each time another `every` bytes have been added. */
export class GcPacer {
  private since = 0;

  constructor(
    private readonly every: number,
    private readonly collect: () => void,
  ) {
    if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`GcPacer: every ${every} < 1`);
  }

  add(bytes: number): void {
    this.since += bytes;
    if (this.since < this.every) return;
    this.since %= this.every;
    this.collect();
  }
}

/** A pacer over the process's exposed `gc` (node --expose-gc); undefined when it has none. */
export function exposedGcPacer(every = GC_PACE_BYTES): GcPacer | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return undefined;
  return new GcPacer(every, () => (gc as () => void)());
}
