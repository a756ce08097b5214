/**
 * What every read answered over FUSE goes through, whoever serves it (ImageFs for files, the
 * blob devices for the kernel's EROFS): a deadline, abort on close, the observer's counts, and a
 * short memory of failed ranges. The kernel retries a failed readahead with a synchronous read of
 * its first page right away; without the memory, a read(2) of data that cannot be fetched would
 * wait for the fetch timeout twice.
 */
import { TimeoutError } from '../errors.js';
import { deadline } from '../util/deadline.js';
import { Errno, FsErrno } from './errno.js';

/** Where a read was, for the observer (and the operator's log line). */
export interface ReadWhere {
  /** The image (its reference), when the guard knows it. */
  image?: string;
  /** The file: a path in the image, or a blob device (`blob device N`) whose file is not known. */
  path: string;
  /** The blob device read, for blob device reads. */
  device?: number;
  /** The image inode, for file reads. */
  nid?: number;
  /** The blob (sha256 hex), for blob device reads. */
  blob?: string;
  offset: number;
  length: number;
}

/** Hooks for metrics and logs; all optional. */
export interface ImageFsObserver {
  /** A read answered `bytes` bytes. */
  readDone?(bytes: number): void;
  /** A read failed (the caller got EIO): the reason for the operator. */
  readFailed?(err: unknown, where: ReadWhere): void;
}

export interface ReadGuardOptions {
  /** A read that has not been answered after this long fails with EIO (default 60 s). */
  readTimeoutMs?: number;
  /** A read starting inside a range whose read failed less than this long ago fails at once with the same error (default 250 ms). */
  failedReadMemoryMs?: number;
  observer?: ImageFsObserver;
  /** The image the reads are of (its reference), for the observer. */
  image?: string;
}

/** A read that failed recently: which file (a caller's number), byte range, when, and why. */
interface FailedRead {
  file: number;
  start: number;
  end: number;
  at: number;
  err: unknown;
}

const MAX_REMEMBERED = 64;

export class ReadGuard {
  readonly #readTimeoutMs: number;
  readonly #failedReadMemoryMs: number;
  readonly #observer: ImageFsObserver;
  readonly #image: string | undefined;
  readonly #closing = new AbortController();
  #recentFailures: FailedRead[] = [];

  constructor(options: ReadGuardOptions = {}) {
    this.#readTimeoutMs = options.readTimeoutMs ?? 60_000;
    this.#failedReadMemoryMs = options.failedReadMemoryMs ?? 250;
    this.#observer = options.observer ?? {};
    this.#image = options.image;
  }

  /** After close, reads in flight are aborted and new reads fail with EIO. */
  close(): void {
    this.#closing.abort(new FsErrno(Errno.EIO, 'the mount is closed'));
  }

  /**
   * Runs `read` for `where.length` bytes of file `file` (any number naming it to the caller),
   * under the deadline and the close signal; the answer must be exactly that long. `locate`
   * names the file for the observer when `where` cannot (asked only when the read failed).
   */
  async run(file: number, where: ReadWhere, read: (signal: AbortSignal) => Promise<Buffer>, locate?: () => string | undefined): Promise<Buffer> {
    const failed = (err: unknown): void => {
      if (this.#observer.readFailed === undefined) return;
      const path = locate?.() ?? where.path;
      this.#observer.readFailed(err, { ...(this.#image !== undefined ? { image: this.#image } : {}), ...where, path });
    };
    if (this.#closing.signal.aborted) {
      const err = this.#closing.signal.reason as Error;
      failed(err);
      throw err;
    }
    const recent = this.#recentFailure(file, where.offset);
    if (recent !== undefined) {
      failed(recent.err);
      throw recent.err;
    }
    const limit = deadline(this.#readTimeoutMs, this.#closing.signal);
    const signal = limit.signal;
    try {
      const data = await abortable(read(signal), signal, () =>
        limit.expired
          ? new TimeoutError(`read of ${where.length} bytes at ${where.offset} of ${where.path} took longer than ${this.#readTimeoutMs} ms`)
          : (this.#closing.signal.reason as Error),
      );
      if (data.length !== where.length) throw new FsErrno(Errno.EIO, `the data reader returned ${data.length} bytes for a read of ${where.length}`);
      this.#observer.readDone?.(data.length);
      return data;
    } catch (err) {
      failed(err);
      this.#rememberFailure({ file, start: where.offset, end: where.offset + where.length, at: Date.now(), err });
      throw err;
    } finally {
      limit.dispose();
    }
  }

  #recentFailure(file: number, position: number): FailedRead | undefined {
    if (this.#recentFailures.length === 0) return undefined;
    const now = Date.now();
    this.#recentFailures = this.#recentFailures.filter((f) => now - f.at < this.#failedReadMemoryMs);
    return this.#recentFailures.find((f) => f.file === file && position >= f.start && position < f.end);
  }

  #rememberFailure(failure: FailedRead): void {
    if (this.#failedReadMemoryMs <= 0) return;
    this.#recentFailures.push(failure);
    if (this.#recentFailures.length > MAX_REMEMBERED) this.#recentFailures.shift();
  }
}

/** Settles with `promise`, or rejects with `reason()` as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, reason: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
