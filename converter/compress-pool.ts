import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DarnerError } from '../src/errors.js';
import type { CompressedResult, CompressRequest, CompressResponse } from './compress-worker.js';

/**
 * A fixed pool of compression workers. Chunks are gathered into batches (up to BATCH_BYTES or
 * BATCH_CHUNKS, or whatever is waiting when the event loop turns), so an image of many small
 * files costs one message per batch rather than one per chunk. Each chunk's ArrayBuffer is
 * transferred (not copied) to a worker and back.
 */

export type CompressedChunk = CompressedResult;

const BATCH_BYTES = 1 << 20;
const BATCH_CHUNKS = 256;

interface PendingChunk {
  data: Uint8Array;
  resolve(result: CompressedChunk): void;
  reject(err: Error): void;
}

interface PoolWorker {
  worker: Worker;
  /** Batches sent and not yet answered, in order (a worker answers in order). */
  inFlight: PendingChunk[][];
  inFlightBytes: number;
}

export class CompressPool {
  private readonly workers: PoolWorker[] = [];
  private batch: PendingChunk[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private failure: Error | undefined;

  constructor(
    private readonly level: number,
    size = Math.max(1, availableParallelism()),
  ) {
    const script = new URL('./compress-worker.js', import.meta.url);
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(script);
      const entry: PoolWorker = { worker, inFlight: [], inFlightBytes: 0 };
      worker.on('message', (response: CompressResponse) => {
        const batch = entry.inFlight.shift();
        if (!batch) return;
        for (const chunk of batch) entry.inFlightBytes -= chunk.data.byteLength;
        batch.forEach((chunk, i) => chunk.resolve(response.results[i] as CompressedChunk));
      });
      worker.on('error', (err) => this.fail(entry, err));
      worker.on('exit', (code) => {
        if (entry.inFlight.length > 0) this.fail(entry, new DarnerError('WORKER_EXIT', `compression worker exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  /**
   * Compresses `data` in place. Its ArrayBuffer is transferred to a worker and comes back as the
   * result's buffer, so the caller must own it whole (one ArrayBuffer per chunk, e.g. from a
   * BufferPool) and use only the result afterwards.
   */
  compress(data: Uint8Array): Promise<CompressedChunk> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.batch.push({ data, resolve, reject });
      this.batchBytes += data.byteLength;
      if (this.batchBytes >= BATCH_BYTES || this.batch.length >= BATCH_CHUNKS) {
        this.flush();
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const target = this.workers.reduce((a, b) => (b.inFlightBytes < a.inFlightBytes ? b : a));
    target.inFlight.push(batch);
    for (const chunk of batch) target.inFlightBytes += chunk.data.byteLength;
    const request: CompressRequest = { level: this.level, chunks: batch.map((c) => c.data) };
    target.worker.postMessage(
      request,
      batch.map((c) => c.data.buffer as ArrayBuffer),
    );
  }

  private fail(entry: PoolWorker, err: Error): void {
    this.failure ??= err;
    for (const batch of entry.inFlight) for (const chunk of batch) chunk.reject(err);
    entry.inFlight = [];
    entry.inFlightBytes = 0;
    for (const chunk of this.batch) chunk.reject(err);
    this.batch = [];
  }
}
