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
const MAX_REMEMBERED = 64;
export class ReadGuard {
    #readTimeoutMs;
    #failedReadMemoryMs;
    #observer;
    #image;
    #closing = new AbortController();
    #recentFailures = [];
    constructor(options = {}) {
        this.#readTimeoutMs = options.readTimeoutMs ?? 60_000;
        this.#failedReadMemoryMs = options.failedReadMemoryMs ?? 250;
        this.#observer = options.observer ?? {};
        this.#image = options.image;
    }
    /** After close, reads in flight are aborted and new reads fail with EIO. */
    close() {
        this.#closing.abort(new FsErrno(Errno.EIO, 'the mount is closed'));
    }
    /**
     * Runs `read` for `where.length` bytes of file `file` (any number naming it to the caller),
     * under the deadline and the close signal; the answer must be exactly that long. `locate`
     * names the file for the observer when `where` cannot (asked only when the read failed).
     */
    async run(file, where, read, locate) {
        const failed = (err) => {
            if (this.#observer.readFailed === undefined)
                return;
            const path = locate?.() ?? where.path;
            this.#observer.readFailed(err, { ...(this.#image !== undefined ? { image: this.#image } : {}), ...where, path });
        };
        if (this.#closing.signal.aborted) {
            const err = this.#closing.signal.reason;
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
            const data = await abortable(read(signal), signal, () => limit.expired
                ? new TimeoutError(`read of ${where.length} bytes at ${where.offset} of ${where.path} took longer than ${this.#readTimeoutMs} ms`)
                : this.#closing.signal.reason);
            if (data.length !== where.length)
                throw new FsErrno(Errno.EIO, `the data reader returned ${data.length} bytes for a read of ${where.length}`);
            this.#observer.readDone?.(data.length);
            return data;
        }
        catch (err) {
            failed(err);
            this.#rememberFailure({ file, start: where.offset, end: where.offset + where.length, at: Date.now(), err });
            throw err;
        }
        finally {
            limit.dispose();
        }
    }
    #recentFailure(file, position) {
        if (this.#recentFailures.length === 0)
            return undefined;
        const now = Date.now();
        this.#recentFailures = this.#recentFailures.filter((f) => now - f.at < this.#failedReadMemoryMs);
        return this.#recentFailures.find((f) => f.file === file && position >= f.start && position < f.end);
    }
    #rememberFailure(failure) {
        if (this.#failedReadMemoryMs <= 0)
            return;
        this.#recentFailures.push(failure);
        if (this.#recentFailures.length > MAX_REMEMBERED)
            this.#recentFailures.shift();
    }
}
/** Settles with `promise`, or rejects with `reason()` as soon as `signal` aborts. */
function abortable(promise, signal, reason) {
    if (signal.aborted)
        return Promise.reject(reason());
    return new Promise((resolve, reject) => {
        const onAbort = () => reject(reason());
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then((v) => {
            signal.removeEventListener('abort', onAbort);
            resolve(v);
        }, (e) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
        });
    });
}
//# sourceMappingURL=read-guard.js.map