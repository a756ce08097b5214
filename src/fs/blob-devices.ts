/**
 * Blob devices: one read-only file per data blob of an image, holding the blob's uncompressed
 * address space, for the kernel's EROFS to read as its extra devices (`-o device=`). With them
 * the kernel answers every metadata operation (lookup, getattr, readdir, xattrs) from the
 * bootstrap itself, and only data reads reach the daemon: as reads of these files, which the
 * kernel's readahead turns into large sequential requests. This is Nydus's fscache design (EROFS
 * over a userspace blob provider) with FUSE as the provider, because this kernel has no
 * CONFIG_EROFS_FS_ONDEMAND.
 *
 * No FUSE here: blob-device-server.ts serves these methods with the native server; tests call them
 * directly. Files are named by their index in the bootstrap's blob table (`0`, `1`, …): mount
 * options are limited to one page, and short names fit more devices in it.
 */
import type { FuseStat } from 'fuse-native';
import { BLOCK_SIZE } from '../format/index.js';
import { Errno, FsErrno } from './errno.js';
import { ReadGuard, type ReadGuardOptions } from './read-guard.js';

/** Where blob bytes come from: verified bytes of blob `index`'s address space (exactly `length`). */
export interface BlobDataReader {
  readBlob(blobIndex: number, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  /** The path of the image's file at `offset` of blob `blobIndex` (for the message of a failed read). */
  fileAt?(blobIndex: number, offset: number): string | undefined;
}

export interface BlobDevice {
  /** sha256 hex of the blob (for logs). */
  id: string;
  /** Bytes of its uncompressed address space. */
  size: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const ROOT_INO = 1;

export class BlobDevices {
  readonly #devices: readonly BlobDevice[];
  readonly #reader: BlobDataReader;
  readonly #guard: ReadGuard;
  readonly #createdMs = Date.now();

  constructor(devices: readonly BlobDevice[], reader: BlobDataReader, options: ReadGuardOptions = {}) {
    this.#devices = devices;
    this.#reader = reader;
    this.#guard = new ReadGuard(options);
  }

  /** The files' sizes, in blob-table order. */
  get sizes(): number[] {
    return this.#devices.map((d) => d.size);
  }

  /** The file names, in blob-table order (what `device=` lists). */
  get names(): string[] {
    return this.#devices.map((_, i) => String(i));
  }

  /** After close, reads in flight are aborted and new reads fail with EIO. */
  close(): void {
    this.#guard.close();
  }

  getattr(path: string): FuseStat {
    if (path === '/') return this.#stat(S_IFDIR | 0o500, 0, ROOT_INO, 2);
    const index = this.#index(path);
    return this.#stat(S_IFREG | 0o400, this.#devices[index]!.size, ROOT_INO + 1 + index, 1);
  }

  readdir(path: string): string[] {
    if (path !== '/') throw new FsErrno(Errno.ENOTDIR);
    return ['.', '..', ...this.names];
  }

  /** Up to `length` bytes of device `path` from `position`: fewer at its end, none past it. */
  async read(path: string, length: number, position: number): Promise<Buffer> {
    const index = this.#index(path);
    const device = this.#devices[index]!;
    if (position >= device.size || length <= 0) return Buffer.alloc(0);
    const n = Math.min(length, device.size - position);
    const where = { path: `blob device ${index}`, device: index, blob: device.id, offset: position, length: n };
    return this.#guard.run(
      index,
      where,
      (signal) => this.#reader.readBlob(index, position, n, signal),
      () => this.#reader.fileAt?.(index, position),
    );
  }

  /** Device index of `/N`; ENOENT for any other name. */
  #index(path: string): number {
    const name = path.slice(1);
    if (!/^(0|[1-9][0-9]{0,8})$/.test(name)) throw new FsErrno(Errno.ENOENT);
    const index = Number(name);
    if (index >= this.#devices.length) throw new FsErrno(Errno.ENOENT);
    return index;
  }

  #stat(mode: number, size: number, ino: number, nlink: number): FuseStat {
    return {
      mode,
      uid: 0,
      gid: 0,
      size,
      nlink,
      ino,
      rdev: 0,
      blksize: BLOCK_SIZE,
      blocks: Math.ceil(size / 512),
      atime: this.#createdMs,
      mtime: this.#createdMs,
      ctime: this.#createdMs,
    };
  }
}
