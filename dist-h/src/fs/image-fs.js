import { entryStat, statfsOf, statOf } from './attributes.js';
import { Errno, FsErrno } from './errno.js';
import { PathResolver } from './path-resolver.js';
import { ReadGuard } from './read-guard.js';
import { getxattrReply, listxattrReply } from './xattr-reply.js';
const O_ACCMODE = 0o3;
const O_RDONLY = 0;
const O_TRUNC = 0o1000;
const W_OK = 2;
/** Handles are small positive integers (0 means "no handle" to the binding). */
const MAX_HANDLE = 0x7fff_ffff;
export class ImageFs {
    #bootstrap;
    #reader;
    #paths;
    #handles = new Map();
    #guard;
    #recorder;
    #nextHandle = 1;
    #statfs;
    constructor(bootstrap, reader, options = {}) {
        this.#bootstrap = bootstrap;
        this.#reader = reader;
        this.#paths = new PathResolver(bootstrap);
        this.#guard = new ReadGuard(options);
        this.#recorder = options.recorder;
    }
    /** Open handles (for status and tests). */
    get openFiles() {
        return this.#handles.size;
    }
    /** After close, reads in flight are aborted and new reads fail with EIO. */
    close() {
        this.#guard.close();
        this.#handles.clear();
    }
    getattr(path) {
        return statOf(this.#bootstrap.inode(this.#paths.resolve(path)));
    }
    /** Names (with `.` and `..`) and, per name, the type and inode number overlayfs needs. */
    readdir(path) {
        const nid = this.#paths.resolve(path);
        if (this.#bootstrap.inode(nid).kind !== 'dir')
            throw new FsErrno(Errno.ENOTDIR);
        const parent = path === '/' ? nid : this.#paths.resolve(parentOf(path));
        const names = ['.', '..'];
        const stats = [entryStat(nid, 'dir'), entryStat(parent, 'dir')];
        for (const e of this.#bootstrap.readdir(nid)) {
            names.push(e.name);
            stats.push(entryStat(e.nid, e.kind));
        }
        return { names, stats };
    }
    readlink(path) {
        const nid = this.#paths.resolve(path);
        if (this.#bootstrap.inode(nid).kind !== 'symlink')
            throw new FsErrno(Errno.EINVAL);
        return this.#bootstrap.readlink(nid);
    }
    /** Opens a regular file for reading; any request to write is EROFS. Returns the handle. */
    open(path, flags) {
        if ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0)
            throw new FsErrno(Errno.EROFS);
        const nid = this.#paths.resolve(path);
        const inode = this.#bootstrap.inode(nid);
        if (inode.kind === 'dir')
            throw new FsErrno(Errno.EISDIR);
        if (inode.kind !== 'file')
            throw new FsErrno(Errno.EINVAL);
        const fd = this.#allocateHandle();
        this.#handles.set(fd, { nid, size: inode.size, path });
        return fd;
    }
    release(fd) {
        this.#handles.delete(fd);
    }
    /**
     * Up to `length` bytes of the file from `position`: fewer at its end, none past it. The bytes
     * come from the reader, which verifies them; any failure, or no answer within the read
     * timeout, throws (EIO at the edge).
     */
    async read(fd, path, length, position) {
        const file = this.#handles.get(fd) ?? this.#openByPath(path);
        if (position >= file.size || length <= 0)
            return Buffer.alloc(0);
        const n = Math.min(length, file.size - position);
        this.#recorder?.read(file.path, position, n);
        return this.#guard.run(file.nid, { nid: file.nid, path: file.path, offset: position, length: n }, (signal) => this.#reader.read(file.nid, position, n, signal));
    }
    getxattr(path, name, bufferSize) {
        const nid = this.#paths.resolve(path);
        return getxattrReply(this.#bootstrap.xattrs(nid).get(name), bufferSize);
    }
    listxattr(path, bufferSize) {
        const nid = this.#paths.resolve(path);
        return listxattrReply(this.#bootstrap.xattrs(nid).keys(), bufferSize);
    }
    statfs() {
        this.#statfs ??= statfsOf(this.#bootstrap.blobs.reduce((sum, b) => sum + b.uncompressedSize, 0), this.#bootstrap.image.superblock.inos);
        return this.#statfs;
    }
    /** access(2) without default_permissions: existence, and never write access. */
    access(path, mode) {
        this.#paths.resolve(path);
        if ((mode & W_OK) !== 0)
            throw new FsErrno(Errno.EROFS);
    }
    #openByPath(path) {
        const nid = this.#paths.resolve(path);
        const inode = this.#bootstrap.inode(nid);
        if (inode.kind !== 'file')
            throw new FsErrno(Errno.EINVAL);
        return { nid, size: inode.size, path };
    }
    #allocateHandle() {
        for (;;) {
            const fd = this.#nextHandle;
            this.#nextHandle = fd >= MAX_HANDLE ? 1 : fd + 1;
            if (!this.#handles.has(fd))
                return fd;
        }
    }
}
function parentOf(path) {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
}
//# sourceMappingURL=image-fs.js.map