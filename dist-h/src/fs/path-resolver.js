import { Errno, FsErrno } from './errno.js';
/**
 * Path → nid for libfuse's path-based operations. Every operation names its file by absolute
 * path, so recently resolved paths are remembered (the image never changes); the cache is
 * bounded and simply starts over when full.
 */
export class PathResolver {
    #bootstrap;
    #cache = new Map();
    #limit;
    constructor(bootstrap, limit = 65536) {
        this.#bootstrap = bootstrap;
        this.#limit = limit;
    }
    /** The nid of absolute `path`; ENOENT when absent, ENOTDIR when a parent is not a directory. */
    resolve(path) {
        if (path === '/' || path === '')
            return this.#bootstrap.rootNid;
        const cached = this.#cache.get(path);
        if (cached !== undefined)
            return cached;
        const cut = path.lastIndexOf('/');
        const parent = cut <= 0 ? this.#bootstrap.rootNid : this.resolve(path.slice(0, cut));
        const name = path.slice(cut + 1);
        if (this.#bootstrap.inode(parent).kind !== 'dir')
            throw new FsErrno(Errno.ENOTDIR);
        if (name === '' || name === '.' || name === '..')
            throw new FsErrno(Errno.EINVAL, `unexpected path ${JSON.stringify(path)}`);
        const nid = this.#bootstrap.lookup(parent, name);
        if (nid === undefined)
            throw new FsErrno(Errno.ENOENT);
        if (this.#cache.size >= this.#limit)
            this.#cache.clear();
        this.#cache.set(path, nid);
        return nid;
    }
}
//# sourceMappingURL=path-resolver.js.map