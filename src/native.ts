/**
 * Typed access to darner's Rust addon (native/, napi-rs). The addon is loaded on first use, not
 * at import, so commands that never digest, touch xattrs or mount (`darner --help`) work without
 * it.
 * When it is absent every function here throws NativeMissingError (code NATIVE_MISSING).
 *
 * What crosses the boundary and why it is native: docs/native.md.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeMissingError } from './errors.js';
import type { ChunkDigestAlgorithm } from './format/model.js';

/** The addon's exports, as native/src declares them (the generated index.d.cts says the same). */
export interface NativeAddon {
  digestBatch(algorithm: ChunkDigestAlgorithm, chunks: readonly Uint8Array[]): Promise<Buffer[]>;
  digestRanges(algorithm: ChunkDigestAlgorithm, data: Uint8Array, lengths: readonly number[]): Promise<Buffer[]>;
  digestSync(algorithm: ChunkDigestAlgorithm, data: Uint8Array): Buffer;
  compressRanges(level: number, data: Uint8Array, ranges: readonly number[], out: Uint8Array): Promise<CompressRangesResult>;
  decodeVerifyBatch(
    algorithm: ChunkDigestAlgorithm,
    stored: Uint8Array,
    layout: readonly number[],
    digests: Uint8Array,
  ): Promise<DecodeVerifyResult>;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  lsetxattr(path: string, name: string, value: Uint8Array): void;
  lremovexattr(path: string, name: string): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  mountFs(source: string, target: string, fstype: string, flags: number, data: string): Promise<void>;
  umountFs(target: string, flags: number): Promise<void>;
  startBlobDevices(
    mountpoint: string,
    sizes: readonly number[],
    cachePaths: readonly string[],
    onRead: (unique: number, device: number, offset: number, length: number) => void,
  ): NativeBlobDeviceServer;
  resumeBlobDevices(
    fd: number,
    sizes: readonly number[],
    cachePaths: readonly string[],
    onRead: (unique: number, device: number, offset: number, length: number) => void,
  ): NativeBlobDeviceServer;
  runFdKeeper(socketPath: string): void;
  keeperTakeAll(socketPath: string): KeptFd[];
  keeperDrop(socketPath: string, name: string): void;
  keeperQuit(socketPath: string): boolean;
  closeFd(fd: number): void;
  /** The version of native/Cargo.toml the addon was built from. */
  version(): string;
  TarFramer: new (chunkSize: number) => NativeTarFramer;
}

/**
 * Tar framing of a layer stream (native/src/tarframe.rs): `push` copies what it needs before it
 * returns and throws an Error with code EBADTAR for input it cannot frame.
 */
export interface NativeTarFramer {
  /** Frames `piece`, cutting regular files' chunks into `batch` after the ones already there. */
  push(piece: Uint8Array, batch: Buffer): { consumed: number; batchFull: boolean; events: Buffer };
  /** The next chunks go to the start of a new batch buffer. */
  newBatch(): void;
  /** Throws (EBADTAR) unless the stream ended between two entries. */
  finish(): void;
}

/** A /dev/fuse fd the fd keeper holds, now open in this process too. */
export interface KeptFd {
  name: string;
  fd: number;
}

/** The blob devices' FUSE server (native/src/blobdev.rs). */
export interface NativeBlobDeviceServer {
  /** Answers forwarded read `unique` with `data`. */
  reply(unique: number, data: Uint8Array): void;
  /** Answers forwarded read `unique` with an errno (either sign). */
  replyError(unique: number, errno: number): void;
  /** Marks (or unmarks) the pages holding bytes [start, end) of `device` as served from its cache file. */
  mark(device: number, start: number, end: number, cached: boolean): void;
  /** [reads answered from the cache files, reads forwarded to JavaScript]. */
  stats(): [number, number];
  /** After the unmount: reads still arriving are answered EIO. */
  close(): void;
  /** Hands a copy of the connection's fd to the fd keeper at `socket` under `name`. */
  keep(socket: string, name: string): void;
  /** 0 when FUSE_NOTIFY_RESEND was taken at a takeover (or none was sent), else its errno. */
  resendErrno(): number;
}

/** What decodeVerifyBatch gives back (see its doc comment). */
export interface DecodeVerifyResult {
  /** The decoded chunks back to back, chunk i at the sum of the sizes before it. */
  data: Buffer;
  /** Per chunk: 0 verified, 1 digest mismatch, 2 zstd frame does not decode, 3 wrong decoded size. */
  status: number[];
  /** Per chunk, the 32-byte digest of what it decoded to (zeros where it did not decode). */
  digests: Buffer;
}

// Compiled to dist/src/native.js, so the loader napi generates is two levels up.
const LOADER_URL = new URL('../../native/index.cjs', import.meta.url);

let addon: NativeAddon | undefined;

/** The loaded addon; throws NativeMissingError when it has not been built or does not load. */
export function nativeAddon(): NativeAddon {
  if (addon === undefined) {
    const loaderPath = fileURLToPath(LOADER_URL);
    try {
      addon = createRequire(import.meta.url)(loaderPath) as NativeAddon;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new NativeMissingError(
        `darner's native addon could not be loaded from ${loaderPath} (${reason}); ` +
          'build it with `npm run build:native`',
        { cause: err },
      );
    }
  }
  return addon;
}

/** The addon's own version (native/Cargo.toml); throws NativeMissingError when it does not load. */
export function nativeVersion(): string {
  return nativeAddon().version();
}

/** True when the addon loads (for diagnostics such as `darner check`). */
export function nativeAvailable(): boolean {
  try {
    nativeAddon();
    return true;
  } catch {
    return false;
  }
}

/**
 * Digests (32 bytes each) of `chunks`, in order, computed in parallel off the JavaScript thread.
 * The chunks must not be modified until the promise settles. Bad arguments reject.
 */
export function digestBatch(algorithm: ChunkDigestAlgorithm, chunks: readonly Uint8Array[]): Promise<Buffer[]> {
  try {
    return nativeAddon().digestBatch(algorithm, chunks);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Digests of consecutive slices of `data` (slice i is `lengths[i]` bytes, starting where slice
 * i - 1 ended), off the JavaScript thread. Lengths summing past `data.length` reject with code
 * ERR_OUT_OF_RANGE; bytes after the last slice are ignored.
 */
export function digestRanges(
  algorithm: ChunkDigestAlgorithm,
  data: Uint8Array,
  lengths: readonly number[],
): Promise<Buffer[]> {
  try {
    return nativeAddon().digestRanges(algorithm, data, lengths);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Per chunk, its stored length (chunks are back to back in the output) and flags (1: zstd frame). */
export interface CompressRangesResult {
  lengths: number[];
  flags: number[];
}

/**
 * zstd-compresses (at `level`, 1..22) the chunks of `data` at `ranges` (offset, length pairs),
 * in parallel off the JavaScript thread, writing them back to back into `out`, which must hold
 * the ranges' total length: a chunk that would not shrink is copied raw (flags 0). Neither
 * buffer may be touched until the promise settles. Bad arguments reject.
 */
export function compressRanges(level: number, data: Uint8Array, ranges: readonly number[], out: Uint8Array): Promise<CompressRangesResult> {
  try {
    return nativeAddon().compressRanges(level, data, ranges, out);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Decodes and digests a batch of chunks cut from one buffer of stored (blob) bytes, in parallel
 * off the JavaScript thread. `layout` holds four numbers per chunk: offset in `stored`, stored
 * size, uncompressed size, flags (bit 0: zstd frame, else raw bytes); `digests` the expected
 * 32-byte digests back to back. A zstd frame may never produce more than its uncompressed size
 * (the output is allocated from the sizes given, never from the frame). Bad arguments reject with
 * ERR_OUT_OF_RANGE / ERR_INVALID_ARG_VALUE; bad chunks do not reject, they get a status.
 */
export function decodeVerifyBatch(
  algorithm: ChunkDigestAlgorithm,
  stored: Uint8Array,
  layout: readonly number[],
  digests: Uint8Array,
): Promise<DecodeVerifyResult> {
  try {
    return nativeAddon().decodeVerifyBatch(algorithm, stored, layout, digests);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The digest of `data` on the calling thread: for small inputs (a few hundred KiB at most). */
export function digestSync(algorithm: ChunkDigestAlgorithm, data: Uint8Array): Buffer {
  return nativeAddon().digestSync(algorithm, data);
}

// Extended attributes, never following a final symlink. Failures throw errors shaped like Node's
// fs errors (`code` ENOENT, ENOTSUP, EPERM, ...).

/** The value of xattr `name` of `path`, or null when the file has none by that name. */
export function lgetxattr(path: string, name: string): Buffer | null {
  return nativeAddon().lgetxattr(path, name);
}

/** The xattr names of `path`. */
export function llistxattr(path: string): string[] {
  return nativeAddon().llistxattr(path);
}

/** Creates or replaces xattr `name` of `path`. */
export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  nativeAddon().lsetxattr(path, name, value);
}

/** Removes xattr `name` of `path` (code ENODATA when it has none). */
export function lremovexattr(path: string, name: string): void {
  nativeAddon().lremovexattr(path, name);
}

/**
 * mknod(2): a character or block device (mode includes fs.constants.S_IFCHR / S_IFBLK, needs
 * CAP_MKNOD), a fifo (S_IFIFO) or a socket file (S_IFSOCK). The umask applies to the permissions.
 */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  nativeAddon().mknod(path, mode, major, minor);
}

// mount(2) and umount2(2). They run on libuv's threadpool, never on the JavaScript thread: the
// kernel may read files of a FUSE filesystem this process serves while the call runs (EROFS
// file-backed mounts open their `device=` files), and only the JavaScript thread can answer.
// Each call in flight holds one of libuv's threads (4 unless UV_THREADPOOL_SIZE says otherwise),
// which the FUSE answers may need for their own fs reads: keep mounts and unmounts serialized.
// Failures reject with errors shaped like Node's fs errors: `code` the errno name (ENOENT,
// ENODEV, ENOTBLK, EINVAL, EPERM, ...), `syscall`, `path` and, for mount, `dest`.

/** mount(2) flag: mount read-only. */
export const MS_RDONLY = 1;
/** umount2(2) flag: detach now, finish when the mount is no longer busy (`umount -l`). */
export const MNT_DETACH = 2;

/**
 * mount(2): mounts `source` (a block device, or a regular file where the filesystem takes one:
 * EROFS since Linux 6.12 mounts an image file directly, with no loop device) of type `fstype` on
 * `target`. `flags` are MS_* bits (a whole number below 2^32), `data` the comma-separated options
 * ('' for none), e.g. `device=/blobs/0,device=/blobs/1` for EROFS's extra devices. A NUL byte in
 * a string rejects with ERR_INVALID_ARG_VALUE, bad flags with ERR_OUT_OF_RANGE. The message
 * names both paths: `ENOENT: no such file or directory, mount '/img' -> '/mnt'`.
 */
export function mountFs(source: string, target: string, fstype: string, flags: number, data: string): Promise<void> {
  try {
    return nativeAddon().mountFs(source, target, fstype, flags, data);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * umount2(2) of `target` with `flags` (1 for MNT_FORCE, MNT_DETACH, or 0). A directory that is not a
 * mount point rejects with code EINVAL: `EINVAL: invalid argument, umount2 '/mnt'`.
 */
export function umountFs(target: string, flags: number): Promise<void> {
  try {
    return nativeAddon().umountFs(target, flags);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Mounts and serves blob device files at `mountpoint` (fstype fuse.darner, source darner-blobs):
 * file `i` is `sizes[i]` bytes; reads of pages marked with `mark` are answered from
 * `cachePaths[i]` on the server's own threads, the others call `onRead`, which must answer each
 * with `reply` or `replyError`. Synchronous (FUSE's mount does not wait for the server).
 */
export function startBlobDevices(
  mountpoint: string,
  sizes: readonly number[],
  cachePaths: readonly string[],
  onRead: (unique: number, device: number, offset: number, length: number) => void,
): NativeBlobDeviceServer {
  return nativeAddon().startBlobDevices(mountpoint, sizes, cachePaths, onRead);
}

/**
 * Serves blob devices on a FUSE connection an earlier daemon mounted (`fd`: its /dev/fuse file,
 * from the fd keeper; owned by the server from now on) and has the kernel resend the requests
 * the earlier daemon read and never answered.
 */
export function resumeBlobDevices(
  fd: number,
  sizes: readonly number[],
  cachePaths: readonly string[],
  onRead: (unique: number, device: number, offset: number, length: number) => void,
): NativeBlobDeviceServer {
  return nativeAddon().resumeBlobDevices(fd, sizes, cachePaths, onRead);
}

/** The fd keeper's calls (native/src/fdkeeper.rs); each throws with an errno code (ENOENT, ECONNREFUSED) when no keeper answers. */
export const fdKeeper = {
  /** Runs the keeper on `socketPath` (blocks this thread; the process exits when a quit finds it empty). */
  run: (socketPath: string): void => nativeAddon().runFdKeeper(socketPath),
  takeAll: (socketPath: string): KeptFd[] => nativeAddon().keeperTakeAll(socketPath),
  drop: (socketPath: string, name: string): void => nativeAddon().keeperDrop(socketPath, name),
  quit: (socketPath: string): boolean => nativeAddon().keeperQuit(socketPath),
  closeFd: (fd: number): void => nativeAddon().closeFd(fd),
};
