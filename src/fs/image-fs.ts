import type { FuseStat, FuseStatfs } from 'fuse-native';
import type { Bootstrap } from '../format/index.js';
import { entryStat, statfsOf, statOf } from './attributes.js';
import { Errno, FsErrno } from './errno.js';
import { PathResolver } from './path-resolver.js';
import { ReadGuard, type ReadGuardOptions } from './read-guard.js';
import type { TraceRecorder } from './trace-recorder.js';
export type { ImageFsObserver } from './read-guard.js';
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

/** Read deadline, failed-read memory and observer (see ReadGuard); a recorder of the reads asked for. */
export interface ImageFsOptions extends ReadGuardOptions {
  recorder?: TraceRecorder;
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
  readonly #guard: ReadGuard;
  readonly #recorder: TraceRecorder | undefined;
  #nextHandle = 1;
  #statfs: FuseStatfs | undefined;

  constructor(bootstrap: Bootstrap, reader: FileDataReader, options: ImageFsOptions = {}) {
    this.#bootstrap = bootstrap;
    this.#reader = reader;
    this.#paths = new PathResolver(bootstrap);
    this.#guard = new ReadGuard(options);
    this.#recorder = options.recorder;
  }

  /** Open handles (for status and tests). */
  get openFiles(): number {
    return this.#handles.size;
  }

  /** After close, reads in flight are aborted and new reads fail with EIO. */
  close(): void {
    this.#guard.close();
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
    this.#recorder?.read(file.path, position, n);
    return this.#guard.run(file.nid, { nid: file.nid, path: file.path, offset: position, length: n }, (signal) => this.#reader.read(file.nid, position, n, signal));
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
