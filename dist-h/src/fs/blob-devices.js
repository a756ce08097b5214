import { BLOCK_SIZE } from '../format/index.js';
import { Errno, FsErrno } from './errno.js';
import { ReadGuard } from './read-guard.js';
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const ROOT_INO = 1;
export class BlobDevices {
    #devices;
    #reader;
    #guard;
    #createdMs = Date.now();
    constructor(devices, reader, options = {}) {
        this.#devices = devices;
        this.#reader = reader;
        this.#guard = new ReadGuard(options);
    }
    /** The files' sizes, in blob-table order. */
    get sizes() {
        return this.#devices.map((d) => d.size);
    }
    /** The file names, in blob-table order (what `device=` lists). */
    get names() {
        return this.#devices.map((_, i) => String(i));
    }
    /** After close, reads in flight are aborted and new reads fail with EIO. */
    close() {
        this.#guard.close();
    }
    getattr(path) {
        if (path === '/')
            return this.#stat(S_IFDIR | 0o500, 0, ROOT_INO, 2);
        const index = this.#index(path);
        return this.#stat(S_IFREG | 0o400, this.#devices[index].size, ROOT_INO + 1 + index, 1);
    }
    readdir(path) {
        if (path !== '/')
            throw new FsErrno(Errno.ENOTDIR);
        return ['.', '..', ...this.names];
    }
    /** Up to `length` bytes of device `path` from `position`: fewer at its end, none past it. */
    async read(path, length, position) {
        const index = this.#index(path);
        const device = this.#devices[index];
        if (position >= device.size || length <= 0)
            return Buffer.alloc(0);
        const n = Math.min(length, device.size - position);
        const where = { path: `blob device ${index}`, device: index, blob: device.id, offset: position, length: n };
        return this.#guard.run(index, where, (signal) => this.#reader.readBlob(index, position, n, signal), () => this.#reader.fileAt?.(index, position));
    }
    /** Device index of `/N`; ENOENT for any other name. */
    #index(path) {
        const name = path.slice(1);
        if (!/^(0|[1-9][0-9]{0,8})$/.test(name))
            throw new FsErrno(Errno.ENOENT);
        const index = Number(name);
        if (index >= this.#devices.length)
            throw new FsErrno(Errno.ENOENT);
        return index;
    }
    #stat(mode, size, ino, nlink) {
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
//# sourceMappingURL=blob-devices.js.map