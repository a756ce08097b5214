/**
 * Records an access trace (src/format/access-trace.ts) from the reads a mount answers: each file
 * in the order of its first read, with the byte ranges read, merged. Pure (no I/O): the mount
 * feeds it reads, the daemon writes `trace()` out when recording stops.
 */
import type { AccessTrace, ByteRange } from '../format/access-trace.js';

/** Ranges gathered per file before they are merged (keeps memory bounded on long runs). */
const MERGE_EVERY = 1024;

export class TraceRecorder {
  readonly #files = new Map<string, ByteRange[]>();
  #stopped = false;

  /** A read of `length` bytes at `offset` of the file at `path` (absolute, in the image). */
  read(path: string, offset: number, length: number): void {
    if (this.#stopped || length <= 0) return;
    let ranges = this.#files.get(path);
    if (ranges === undefined) this.#files.set(path, (ranges = []));
    ranges.push([offset, offset + length]);
    if (ranges.length >= MERGE_EVERY) this.#files.set(path, mergeRanges(ranges));
  }

  /** Reads after this are not recorded. */
  stop(): void {
    this.#stopped = true;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  trace(header: { reference?: string; bootstrapDigest?: string } = {}): AccessTrace {
    const files = [...this.#files].map(([path, ranges]) => ({ path, ranges: mergeRanges(ranges) }));
    return { ...header, files };
  }
}

/** Sorted, with touching or overlapping ranges joined. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: ByteRange[] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}
