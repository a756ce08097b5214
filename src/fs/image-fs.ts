import type { FuseStat, FuseStatfs } from 'fuse-native';
import type { Bootstrap } from '../format/index.js';
import { TimeoutError } from '../errors.js';
import { entryStat, statfsOf, statOf } from './attributes.js';
import { Errno, FsErrno } from './errno.js';
import { PathResolver } from './path-resolver.js';
import { getxattrReply, listxattrReply, type XattrReply } from './xattr-reply.js';

/**
 * The filesystem of one image, answering FUSE's path-based operations from a bootstrap (metadata)
 * and a FileDataReader (file bytes). No FUSE here: fuse-mount.ts adapts these methods to the
 * binding, and tests call them directly. Metadata answers are synchronous (the bootstrap is in
 * memory); only reads wait, and they never block the JavaScript thread.
 *
 * Failures are thrown as FsErrno (or any error, which the edge turns into EIO via errnoOf).
 */

/** Where file bytes come from: verified bytes of file `nid` (exactly `length`, within its size). */
export interface FileDataReader {
  read(nid: number, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
}

/** Hooks for metrics and logs; all optional. */
export interface ImageFsObserver {
  /** A read answered `bytes` bytes. */
  readDone?(bytes: number): void;
  /** A read failed (the caller got EIO): the reason for the operator. */
  readFailed?(err: unknown, where: { nid: number; path: string; offset: number; length: number }): void;
}

export interface ImageFsOptions {
  /** A read that has not been answered after this long fails with EIO (default 60 s). */
  readTimeoutMs?: number;
  /**
   * A read starting inside a range whose read failed less than this long ago fails at once with
   * the same error (default 250 ms). The kernel retries a failed readahead with a synchronous
   * read of its first page right away; without this, a read(2) of data that cannot be fetched
   * would wait for the fetch timeout twice.
   */
  failedReadMemoryMs?: number;
  observer?: ImageFsObserver;
}

/** A read that failed recently: file, byte range, when, and why. */
interface FailedRead {
  nid: number;
  start: number;
  end: number;
  at: number;
  err: unknown;
}

/** An open file: what the kernel's handle stands for. */
interface OpenFile {
  nid: number;
  size: number;
  path: string;
}

const O_ACCMODE = 0o3;
const O_RDONLY = 0;
const O_TRUNC = 0o1000;
const W_OK = 2;

/** Handles are small positive integers (0 means "no handle" to the binding). */
const MAX_HANDLE = 0x7fff_ffff;

export class ImageFs {
  readonly #bootstrap: Bootstrap;
  readonly #reader: FileDataReader;
  readonly #paths: PathResolver;
  readonly #handles = new Map<number, OpenFile>();
  readonly #readTimeoutMs: number;
  readonly #observer: ImageFsObserver;
  readonly #closing = new AbortController();
  readonly #failedReadMemoryMs: number;
  #recentFailures: FailedRead[] = [];
  #nextHandle = 1;
  #statfs: FuseStatfs | undefined;

  constructor(bootstrap: Bootstrap, reader: FileDataReader, options: ImageFsOptions = {}) {
    this.#bootstrap = bootstrap;
    this.#reader = reader;
    this.#paths = new PathResolver(bootstrap);
    this.#readTimeoutMs = options.readTimeoutMs ?? 60_000;
    this.#failedReadMemoryMs = options.failedReadMemoryMs ?? 250;
    this.#observer = options.observer ?? {};
  }

  /** Open handles (for status and tests). */
  get openFiles(): number {
    return this.#handles.size;
  }

  /** After close, reads in flight are aborted and new reads fail with EIO. */
  close(): void {
    this.#closing.abort(new FsErrno(Errno.EIO, 'the mount is closed'));
    this.#handles.clear();
  }

  getattr(path: string): FuseStat {
    return statOf(this.#bootstrap.inode(this.#paths.resolve(path)));
  }

  /** Names (with `.` and `..`) and, per name, the type and inode number overlayfs needs. */
  readdir(path: string): { names: string[]; stats: Array<Pick<FuseStat, 'mode' | 'ino'>> } {
    const nid = this.#paths.resolve(path);
    if (this.#bootstrap.inode(nid).kind !== 'dir') throw new FsErrno(Errno.ENOTDIR);
    const parent = path === '/' ? nid : this.#paths.resolve(parentOf(path));
    const names = ['.', '..'];
    const stats = [entryStat(nid, 'dir'), entryStat(parent, 'dir')];
    for (const e of this.#bootstrap.readdir(nid)) {
      names.push(e.name);
      stats.push(entryStat(e.nid, e.kind));
    }
    return { names, stats };
  }

  readlink(path: string): string {
    const nid = this.#paths.resolve(path);
    if (this.#bootstrap.inode(nid).kind !== 'symlink') throw new FsErrno(Errno.EINVAL);
    return this.#bootstrap.readlink(nid);
  }

  /** Opens a regular file for reading; any request to write is EROFS. Returns the handle. */
  open(path: string, flags: number): number {
    if ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0) throw new FsErrno(Errno.EROFS);
    const nid = this.#paths.resolve(path);
    const inode = this.#bootstrap.inode(nid);
    if (inode.kind === 'dir') throw new FsErrno(Errno.EISDIR);
    if (inode.kind !== 'file') throw new FsErrno(Errno.EINVAL);
    const fd = this.#allocateHandle();
    this.#handles.set(fd, { nid, size: inode.size, path });
    return fd;
  }

  release(fd: number): void {
    this.#handles.delete(fd);
  }

  /**
   * Up to `length` bytes of the file from `position`: fewer at its end, none past it. The bytes
   * come from the reader, which verifies them; any failure, or no answer within the read
   * timeout, throws (EIO at the edge).
   */
  async read(fd: number, path: string, length: number, position: number): Promise<Buffer> {
    const file = this.#handles.get(fd) ?? this.#openByPath(path);
    if (position >= file.size || length <= 0) return Buffer.alloc(0);
    const n = Math.min(length, file.size - position);
    const where = { nid: file.nid, path: file.path, offset: position, length: n };
    if (this.#closing.signal.aborted) {
      const err = this.#closing.signal.reason as Error;
      this.#observer.readFailed?.(err, where);
      throw err;
    }
    const recent = this.#recentFailure(file.nid, position);
    if (recent !== undefined) {
      this.#observer.readFailed?.(recent.err, where);
      throw recent.err;
    }
    const deadline = AbortSignal.timeout(this.#readTimeoutMs);
    const signal = AbortSignal.any([deadline, this.#closing.signal]);
    try {
      const data = await abortable(this.#reader.read(file.nid, position, n, signal), signal, () =>
        deadline.aborted ? new TimeoutError(`read of ${n} bytes at ${position} of ${file.path} took longer than ${this.#readTimeoutMs} ms`) : (this.#closing.signal.reason as Error),
      );
      if (data.length !== n) throw new FsErrno(Errno.EIO, `the data reader returned ${data.length} bytes for a read of ${n}`);
      this.#observer.readDone?.(n);
      return data;
    } catch (err) {
      this.#observer.readFailed?.(err, where);
      this.#rememberFailure({ nid: file.nid, start: position, end: position + n, at: Date.now(), err });
      throw err;
    }
  }

  #recentFailure(nid: number, position: number): FailedRead | undefined {
    if (this.#recentFailures.length === 0) return undefined;
    const now = Date.now();
    this.#recentFailures = this.#recentFailures.filter((f) => now - f.at < this.#failedReadMemoryMs);
    return this.#recentFailures.find((f) => f.nid === nid && position >= f.start && position < f.end);
  }

  #rememberFailure(failure: FailedRead): void {
    if (this.#failedReadMemoryMs <= 0) return;
    this.#recentFailures.push(failure);
    if (this.#recentFailures.length > 64) this.#recentFailures.shift();
  }

  getxattr(path: string, name: string, bufferSize: number): XattrReply {
    const nid = this.#paths.resolve(path);
    return getxattrReply(this.#bootstrap.xattrs(nid).get(name), bufferSize);
  }

  listxattr(path: string, bufferSize: number): XattrReply {
    const nid = this.#paths.resolve(path);
    return listxattrReply(this.#bootstrap.xattrs(nid).keys(), bufferSize);
  }

  statfs(): FuseStatfs {
    this.#statfs ??= statfsOf(
      this.#bootstrap.blobs.reduce((sum, b) => sum + b.uncompressedSize, 0),
      this.#bootstrap.image.superblock.inos,
    );
    return this.#statfs;
  }

  /** access(2) without default_permissions: existence, and never write access. */
  access(path: string, mode: number): void {
    this.#paths.resolve(path);
    if ((mode & W_OK) !== 0) throw new FsErrno(Errno.EROFS);
  }

  #openByPath(path: string): OpenFile {
    const nid = this.#paths.resolve(path);
    const inode = this.#bootstrap.inode(nid);
    if (inode.kind !== 'file') throw new FsErrno(Errno.EINVAL);
    return { nid, size: inode.size, path };
  }

  #allocateHandle(): number {
    for (;;) {
      const fd = this.#nextHandle;
      this.#nextHandle = fd >= MAX_HANDLE ? 1 : fd + 1;
      if (!this.#handles.has(fd)) return fd;
    }
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
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
