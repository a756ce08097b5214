/** Waiting for a read's fetches: until all arrive, the read's deadline, or an abort. */
import { AbortedError, ChunkUnavailableError } from '../errors.js';

/** The error of a read that reached its deadline (not that of a fetch that failed). */
export class ReadDeadlineError extends ChunkUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkUnavailableError';
  }
}

/** Waits for `promises`, rejecting at the deadline (ReadDeadlineError) or when a signal aborts. */
export function waitAll<T>(promises: Array<Promise<T>>, deadlineMs: number, timeoutMs: number, what: string, signals: AbortSignal[]): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(new AbortedError(`${what}: aborted`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new ReadDeadlineError(`${what}: not fetched within the fetch timeout (${timeoutMs} ms)`));
    }, Math.max(0, deadlineMs));
    for (const s of signals) {
      if (s.aborted) return onAbort();
      s.addEventListener('abort', onAbort, { once: true });
    }
    Promise.all(promises).then(
      (values) => {
        cleanup();
        resolve(values);
      },
      (err) => {
        cleanup();
        reject(err);
      },
    );
  });
}
