import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DarnerError } from '../src/errors.js';
import type { CompressRequest, CompressResponse } from './compress-worker.js';

/**
 * A fixed pool of compression workers. Chunks are handed out to the least busy worker; each
 * chunk's ArrayBuffer is transferred (not copied) to the worker and back.
 */

export interface CompressedChunk {
  data: Uint8Array;
  compressed: boolean;
}

interface PendingTask {
  resolve(result: CompressedChunk): void;
  reject(err: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, PendingTask>;
}

export class CompressPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    private readonly level: number,
    size = Math.max(1, availableParallelism()),
  ) {
    const script = new URL('./compress-worker.js', import.meta.url);
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(script);
      const entry: PoolWorker = { worker, pending: new Map() };
      worker.on('message', (response: CompressResponse) => {
        const task = entry.pending.get(response.id);
        if (!task) return;
        entry.pending.delete(response.id);
        task.resolve({ data: response.data, compressed: response.compressed });
      });
      worker.on('error', (err) => this.fail(entry, err));
      worker.on('exit', (code) => {
        if (entry.pending.size > 0) this.fail(entry, new DarnerError('WORKER_EXIT', `compression worker exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  /**
   * Compresses `data`. Its ArrayBuffer is transferred to the worker, so the caller must own it
   * whole (a buffer from Buffer.allocUnsafeSlow or a fresh Uint8Array) and not touch it again.
   */
  compress(data: Uint8Array): Promise<CompressedChunk> {
    if (this.failure) return Promise.reject(this.failure);
    const target = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      const request: CompressRequest = { id, level: this.level, data };
      target.worker.postMessage(request, [data.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private fail(entry: PoolWorker, err: Error): void {
    this.failure ??= err;
    for (const task of entry.pending.values()) task.reject(err);
    entry.pending.clear();
  }
}
