/**
 * Types for the parts of fuse-native 2.2.6 (CommonJS, no bundled types) that darner uses. The
 * binding answers libfuse's high-level, path-based operations on the JavaScript thread; every
 * callback's first argument is 0 or a negative errno (getxattr/listxattr: a positive length).
 */
declare module 'fuse-native' {
  /** What getattr answers; times are milliseconds since the epoch (the binding's precision). */
  export interface FuseStat {
    mode: number;
    uid: number;
    gid: number;
    size: number;
    dev?: number;
    nlink: number;
    ino: number;
    rdev: number;
    blksize: number;
    blocks: number;
    atime: number;
    mtime: number;
    ctime: number;
  }

  export interface FuseStatfs {
    bsize: number;
    frsize: number;
    blocks: number;
    bfree: number;
    bavail: number;
    files: number;
    ffree: number;
    favail: number;
    fsid: number;
    flag: number;
    namemax: number;
  }

  type Cb = (err: number) => void;
  type CbWith<T> = (err: number, value?: T) => void;

  export interface FuseOperations {
    init?(cb: Cb): void;
    access?(path: string, mode: number, cb: Cb): void;
    statfs?(path: string, cb: CbWith<FuseStatfs>): void;
    getattr?(path: string, cb: CbWith<FuseStat>): void;
    fgetattr?(path: string, fd: number, cb: CbWith<FuseStat>): void;
    readdir?(path: string, cb: (err: number, names?: string[], stats?: Array<Partial<FuseStat>>) => void): void;
    readlink?(path: string, cb: CbWith<string>): void;
    open?(path: string, flags: number, cb: CbWith<number>): void;
    opendir?(path: string, flags: number, cb: CbWith<number>): void;
    read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrErr: number) => void): void;
    release?(path: string, fd: number, cb: Cb): void;
    releasedir?(path: string, fd: number, cb: Cb): void;
    getxattr?(path: string, name: string, position: number, cb: CbWith<Buffer | null>): void;
    listxattr?(path: string, cb: CbWith<string[]>): void;
    // Operations that would modify the filesystem.
    write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrErr: number) => void): void;
    create?(path: string, mode: number, cb: CbWith<number>): void;
    truncate?(path: string, size: number, cb: Cb): void;
    ftruncate?(path: string, fd: number, size: number, cb: Cb): void;
    utimens?(path: string, atime: number, mtime: number, cb: Cb): void;
    chown?(path: string, uid: number, gid: number, cb: Cb): void;
    chmod?(path: string, mode: number, cb: Cb): void;
    mknod?(path: string, mode: number, dev: number, cb: Cb): void;
    setxattr?(path: string, name: string, value: Buffer, position: number, flags: number, cb: Cb): void;
    removexattr?(path: string, name: string, cb: Cb): void;
    unlink?(path: string, cb: Cb): void;
    rename?(src: string, dest: string, cb: Cb): void;
    link?(src: string, dest: string, cb: Cb): void;
    symlink?(src: string, dest: string, cb: Cb): void;
    mkdir?(path: string, mode: number, cb: Cb): void;
    rmdir?(path: string, cb: Cb): void;
    flush?(path: string, fd: number, cb: Cb): void;
    fsync?(path: string, datasync: number, fd: number, cb: Cb): void;
    fsyncdir?(path: string, datasync: number, fd: number, cb: Cb): void;
  }

  export interface FuseOptions {
    debug?: boolean;
    allowOther?: boolean;
    allowRoot?: boolean;
    autoUnmount?: boolean;
    defaultPermissions?: boolean;
    maxRead?: number;
    fsname?: string;
    subtype?: string;
    kernelCache?: boolean;
    autoCache?: boolean;
    entryTimeout?: number;
    attrTimeout?: number;
    mkdir?: boolean;
    force?: boolean;
    /** Per-operation answer deadline in ms (default 15 s), `false` for none, or per operation. */
    timeout?: number | false | Record<string, number | false>;
  }

  /** The binding's answer function for one request: errno or length first, then extras. */
  export type FuseSignal = (res: number, ...args: unknown[]) => void;

  class Fuse {
    constructor(mnt: string, ops: FuseOperations, opts?: FuseOptions);
    readonly mnt: string;
    readonly opts: FuseOptions;
    readonly ops: FuseOperations;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    /** The `-o...` argument libfuse receives; subclasses extend it. */
    protected _fuseOptions(): string;
    protected _op_getxattr(signal: FuseSignal, path: string, name: string, valueBuf: Buffer, position: number): void;
    protected _op_listxattr(signal: FuseSignal, path: string, listBuf: Buffer): void;
    static unmount(mnt: string, cb: (err: Error | null) => void): void;
    static readonly ENOENT: number;
    static readonly EIO: number;
  }
  export default Fuse;
}
