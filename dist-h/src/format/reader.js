import { CHUNK_FLAG_ZSTD, HOLE } from './model.js';
import { MalformedBootstrapError } from '../errors.js';
import { BLOCK_SIZE, DARNER_HEADER_OFFSET, DARNER_MAGIC, MAX_TREE_DEPTH, NULL_ADDR, PERMISSION_MASK } from './constants.js';
import { validateChunkInBlob, validateChunkRecord } from './chunk-table.js';
import { ErofsImage, malformed, readSuperblock, within } from './erofs-image.js';
import { openDarnerTables } from './extension-tables.js';
import { FEATURE_COMPAT_RAFS_V6 } from './rafs-v6.js';
import { openRafsTables } from './rafs-tables.js';
export class Bootstrap {
    /** The EROFS layer, for record-level access (inode locations, raw dirents, device slots). */
    image;
    /** Whose layout the tables follow: darner's own, or Nydus RAFS v6. */
    format;
    /** darner's format version: 1 its own layout, 2 RAFS v6 with the darner mark; undefined for Nydus's. */
    formatVersion;
    /** darner's header (undefined for RAFS v6). */
    header;
    chunkSize;
    digestAlgorithm;
    compressor;
    blobs;
    chunkCount;
    rootNid;
    /** Build time in seconds (the mtime of compact inodes). */
    buildTime;
    #tables;
    #chunkBits;
    /** Chunk indices sorted by (blob, uncompressed offset), and each blob's slice of that order. */
    #chunkOrder;
    #blobChunkStart;
    #chunkBlock;
    #chunks;
    #fileChunks = new Map();
    #prefetch;
    constructor(bytes) {
        const sb = readSuperblock(bytes);
        const reader = openTables(bytes, sb);
        this.image = ErofsImage.parse(bytes, reader.erofsOptions);
        const tables = reader.finish(this.image);
        this.#tables = tables;
        this.format = tables.format;
        this.formatVersion = tables.formatVersion;
        this.header = tables.header;
        this.chunkSize = tables.chunkSize;
        this.#chunkBits = Math.log2(tables.chunkSize);
        this.digestAlgorithm = tables.digestAlgorithm;
        this.compressor = tables.compressor;
        this.blobs = tables.blobs;
        this.chunkCount = tables.chunkCount;
        this.buildTime = sb.buildTime;
        this.rootNid = this.image.rootNid;
        this.#chunks = new Array(tables.chunkCount);
        const sorted = this.#readChunks();
        this.#chunkOrder = sorted.order;
        this.#blobChunkStart = sorted.blobStart;
        this.#chunkBlock = sorted.block;
        this.#checkPrefetch();
    }
    /** Parses and validates `bytes` (see the module comment). Throws MalformedBootstrapError. */
    static parse(bytes) {
        return new Bootstrap(bytes);
    }
    /** Validates every chunk record and builds the (blob, block) → chunk index. */
    #readChunks() {
        const n = this.chunkCount;
        const blobOf = new Uint16Array(n);
        const uoff = new Float64Array(n);
        const usize = new Uint32Array(n);
        const coff = new Float64Array(n);
        const csize = new Uint32Array(n);
        const counts = new Uint32Array(this.blobs.length);
        for (let i = 0; i < n; i++) {
            const where = `chunk table entry ${i}`;
            const c = this.#tables.span(i);
            const problem = validateChunkRecord(c, this.chunkSize);
            if (problem !== undefined)
                malformed(where, problem);
            const blob = this.blobs[c.blobIndex];
            if (blob === undefined)
                malformed(where, `blob index ${c.blobIndex} but the image has ${this.blobs.length} blobs`);
            const inBlob = validateChunkInBlob(c, blob);
            if (inBlob !== undefined)
                malformed(where, inBlob);
            if (this.compressor === 'none' && (c.flags & CHUNK_FLAG_ZSTD) !== 0)
                malformed(where, `zstd-compressed in an image whose compressor is none`);
            counts[c.blobIndex] += 1;
            blobOf[i] = c.blobIndex;
            uoff[i] = c.uncompressedOffset;
            usize[i] = c.uncompressedSize;
            coff[i] = c.compressedOffset;
            csize[i] = c.compressedSize;
        }
        this.blobs.forEach((b, i) => {
            if (b.chunkCount !== counts[i])
                malformed(`blob table entry ${i}`, `chunk count ${b.chunkCount} but the chunk table has ${counts[i]}`);
        });
        // No two chunks of a blob may overlap, in either space: sort by (blob, start), compare
        // neighbours. The uncompressed order is kept as the lookup index; converters write chunks in
        // the same order in both spaces, so the compressed check usually needs no second sort.
        const sortedBy = (start) => {
            const order = new Uint32Array(n);
            for (let i = 0; i < n; i++)
                order[i] = i;
            return order.sort((a, b) => blobOf[a] - blobOf[b] || start[a] - start[b] || a - b);
        };
        const firstOverlap = (order, start, size) => {
            for (let k = 1; k < n; k++) {
                const a = order[k - 1];
                const b = order[k];
                if (blobOf[a] !== blobOf[b])
                    continue;
                if (start[a] > start[b])
                    return 'unsorted';
                if (start[a] + size[a] > start[b])
                    return [Math.min(a, b), Math.max(a, b)];
            }
            return undefined;
        };
        const order = sortedBy(uoff);
        const spaces = [['uncompressed', uoff, usize], ['compressed', coff, csize]];
        for (const [space, start, size] of spaces) {
            let overlap = firstOverlap(order, start, size);
            if (overlap === 'unsorted')
                overlap = firstOverlap(sortedBy(start), start, size);
            if (overlap !== undefined)
                malformed('chunk table', `chunks ${overlap[0]} and ${overlap[1]} overlap in the ${space} space of blob ${blobOf[overlap[1]]}`);
        }
        // `order` is now sorted by (blob, uncompressed offset): the lookup index.
        const block = new Float64Array(n);
        for (let i = 0; i < n; i++)
            block[i] = uoff[i] / BLOCK_SIZE;
        const blobStart = new Uint32Array(this.blobs.length + 1);
        let k = 0;
        for (let b = 0; b <= this.blobs.length; b++) {
            while (k < n && blobOf[order[k]] < b)
                k++;
            blobStart[b] = k;
        }
        return { order, blobStart, block };
    }
    /** Each prefetch entry must be a regular file (or, in RAFS v6, a directory: its subtree). */
    #checkPrefetch() {
        this.#tables.prefetchNids.forEach((nid, i) => {
            const where = `prefetch entry ${i}`;
            const kind = within(where, () => this.image.locate(nid).kind);
            if (kind !== 'file' && !(kind === 'dir' && this.#tables.prefetchDirectories))
                malformed(where, `nid ${nid} is a ${kind}, not a regular file`);
        });
    }
    /**
     * Regular files to fetch in the background after a mount, in order. A RAFS v6 entry naming a
     * directory stands for the regular files below it, walked on first access. Never throws a
     * MalformedBootstrapError (every entry was located in parse).
     */
    get prefetchNids() {
        if (this.#prefetch !== undefined)
            return this.#prefetch;
        const out = [];
        const seen = new Set();
        const add = (nid) => {
            if (!seen.has(nid)) {
                seen.add(nid);
                out.push(nid);
            }
        };
        for (const nid of this.#tables.prefetchNids) {
            if (this.image.locate(nid).kind === 'file') {
                add(nid);
                continue;
            }
            // A malformed record below the directory ends its walk here: prefetching is a hint, and the
            // reads that reach that record fail with the error themselves.
            try {
                for (const e of this.#walkFrom(nid))
                    if (this.image.locate(e.nid).kind === 'file')
                        add(e.nid);
            }
            catch (err) {
                if (!(err instanceof MalformedBootstrapError))
                    throw err;
            }
        }
        this.#prefetch = Object.freeze(out);
        return this.#prefetch;
    }
    /** Chunk record `i` of the chunk table (validated in parse). Do not modify. */
    chunk(i) {
        const cached = this.#chunks[i];
        if (cached !== undefined)
            return cached;
        if (!Number.isInteger(i) || i < 0 || i >= this.chunkCount)
            throw new RangeError(`chunk ${i} is outside the chunk table (${this.chunkCount} entries)`);
        const c = Object.freeze(this.#tables.record(i));
        this.#chunks[i] = c;
        return c;
    }
    /** The chunk that starts at `block` of blob `blobIndex`'s uncompressed space, or undefined. */
    chunkAtBlock(blobIndex, block) {
        if (!Number.isInteger(blobIndex) || blobIndex < 0 || blobIndex >= this.blobs.length)
            return undefined;
        let lo = this.#blobChunkStart[blobIndex];
        let hi = this.#blobChunkStart[blobIndex + 1];
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            const b = this.#chunkBlock[this.#chunkOrder[mid]];
            if (b < block)
                lo = mid + 1;
            else
                hi = mid;
        }
        const i = this.#chunkOrder[lo];
        return i !== undefined && lo < this.#blobChunkStart[blobIndex + 1] && this.#chunkBlock[i] === block ? i : undefined;
    }
    inode(nid) {
        return this.image.inode(nid);
    }
    readdir(nid) {
        return this.image.readdir(nid);
    }
    lookup(dirNid, name) {
        return this.image.lookup(dirNid, name);
    }
    readlink(nid) {
        return this.image.readlink(nid);
    }
    xattrs(nid) {
        return this.image.xattrs(nid);
    }
    /**
     * The chunk slots of regular file `nid`: a chunk-table index, or HOLE, per chunkSize-sized piece.
     * Each index entry must name a blob of the image and a block where a chunk of exactly the
     * piece's length starts. Cached; do not modify.
     */
    fileChunks(nid) {
        const cached = this.#fileChunks.get(nid);
        if (cached !== undefined)
            return cached;
        const where = `inode ${nid}`;
        const { chunkBits, entries } = this.image.chunkIndex(nid);
        const size = this.image.inode(nid).size;
        if (chunkBits !== undefined && chunkBits !== this.#chunkBits) {
            // RAFS v6 names one chunk of 2^bits ≥ size when all the file's chunks lie back to back in
            // one blob: Linux then reads the file from entry 0 alone, so the entries must say the same.
            // darner's writer never does this, so a bootstrap with the darner mark may not either.
            if (this.format !== 'rafs-v6' || this.formatVersion !== undefined || chunkBits < this.#chunkBits || 2 ** chunkBits < size)
                malformed(where, `chunk size 2^${chunkBits} differs from the image's ${this.chunkSize}`);
            const step = this.chunkSize / BLOCK_SIZE;
            const first = entries[0];
            entries.forEach((e, i) => {
                if (e.deviceId !== first.deviceId || e.blkaddr !== first.blkaddr + i * step || e.blkaddr === NULL_ADDR)
                    malformed(where, `chunk index ${i} does not continue entry 0, but i_u names one ${2 ** chunkBits}-byte chunk`);
            });
        }
        const slots = entries.map((e, i) => {
            const ref = this.#tables.indexRef(e);
            if (typeof ref === 'string')
                malformed(where, `chunk index ${i}: ${ref}`);
            if (e.blkaddr === NULL_ADDR)
                return HOLE;
            if (ref.deviceId < 1 || ref.deviceId > this.blobs.length)
                malformed(where, `chunk index ${i} points at device ${ref.deviceId} but the image has ${this.blobs.length} blobs`);
            const chunk = this.chunkAtBlock(ref.deviceId - 1, e.blkaddr);
            if (chunk === undefined)
                malformed(where, `chunk index ${i} points at block ${e.blkaddr} of blob ${ref.deviceId - 1}, where no chunk starts`);
            const length = Math.min(this.chunkSize, size - i * this.chunkSize);
            const actual = this.chunk(chunk).uncompressedSize;
            if (actual !== length)
                malformed(where, `chunk index ${i} names chunk ${chunk} of ${actual} bytes for a ${length}-byte piece`);
            const ci = this.#tables.ciIndex?.(chunk);
            if (ci !== undefined && ref.ciIndex !== ci)
                malformed(where, `chunk index ${i} names chunk-info ${ref.ciIndex}, but the chunk at its block is chunk-info ${ci}`);
            return chunk;
        });
        Object.freeze(slots);
        this.#fileChunks.set(nid, slots);
        return slots;
    }
    /** Slot `index` of file `nid` (see fileChunks); undefined past the end of the file. */
    chunkAt(nid, index) {
        return this.fileChunks(nid)[index];
    }
    /**
     * Every path of the tree with its nid, depth first in name order, the root (`/`) first. Each
     * directory is entered once: a directory reached twice (a cycle or a hard-linked directory), a
     * `..` that is not the parent, or nesting deeper than MAX_TREE_DEPTH throws.
     */
    *walk() {
        yield { path: '/', nid: this.rootNid };
        yield* this.#walkFrom(this.rootNid);
    }
    /** The entries below directory `top` (not `top` itself), as walk() visits them. */
    *#walkFrom(top) {
        const entered = new Set();
        const parent = top === this.rootNid ? top : this.image.parentOf(top);
        const stack = [{ path: '/', nid: top, parent, depth: 0 }];
        while (stack.length > 0) {
            const dir = stack.pop();
            this.#enter(dir, entered);
            const children = this.readdir(dir.nid);
            const subdirs = [];
            for (const e of children) {
                const path = dir.path === '/' ? `/${e.name}` : `${dir.path}/${e.name}`;
                yield { path, nid: e.nid };
                if (e.kind === 'dir')
                    subdirs.push({ path, nid: e.nid, parent: dir.nid, depth: dir.depth + 1 });
            }
            for (let i = subdirs.length - 1; i >= 0; i--)
                stack.push(subdirs[i]);
        }
    }
    #enter(dir, entered) {
        const where = `directory ${dir.nid} at ${dir.path}`;
        if (entered.has(dir.nid))
            malformed(where, `reached twice (a directory cycle or a hard-linked directory)`);
        entered.add(dir.nid);
        if (dir.depth > MAX_TREE_DEPTH)
            malformed(where, `nested deeper than ${MAX_TREE_DEPTH} directories`);
        const parent = this.image.parentOf(dir.nid);
        if (parent !== dir.parent)
            malformed(where, `".." points at ${parent}, not the parent ${dir.parent}`);
    }
    /**
     * Decodes everything into an ImageMetadata: hard links become one node object under several
     * names, link counts are checked against the names found, the prefetch list resolves to nodes.
     */
    toMetadata() {
        const nodes = new Map();
        const names = new Map();
        const root = this.#makeNode(this.rootNid);
        nodes.set(this.rootNid, root);
        const entered = new Set();
        const stack = [
            { path: '/', nid: this.rootNid, parent: this.rootNid, depth: 0, node: root },
        ];
        while (stack.length > 0) {
            const dir = stack.pop();
            this.#enter(dir, entered);
            let subdirs = 0;
            for (const e of this.readdir(dir.nid)) {
                const path = dir.path === '/' ? `/${e.name}` : `${dir.path}/${e.name}`;
                let node = nodes.get(e.nid);
                if (node === undefined) {
                    node = this.#makeNode(e.nid);
                    nodes.set(e.nid, node);
                }
                names.set(e.nid, (names.get(e.nid) ?? 0) + 1);
                dir.node.entries.set(e.name, node);
                if (node.kind === 'dir') {
                    subdirs += 1;
                    stack.push({ path, nid: e.nid, parent: dir.nid, depth: dir.depth + 1, node });
                }
            }
            const nlink = this.inode(dir.nid).nlink;
            if (nlink !== 2 + subdirs)
                malformed(`directory ${dir.nid} at ${dir.path}`, `nlink ${nlink} but it has ${subdirs} subdirectories`);
        }
        for (const [nid, count] of names) {
            const info = this.inode(nid);
            if (info.kind !== 'dir' && info.nlink !== count)
                malformed(`inode ${nid}`, `nlink ${info.nlink} but ${count} names in the tree`);
        }
        const prefetch = this.prefetchNids.map((nid, i) => {
            const node = nodes.get(nid);
            if (node?.kind !== 'file')
                malformed(`prefetch entry ${i}`, `nid ${nid} is not a regular file of the tree`);
            return node;
        });
        const chunks = [];
        for (let i = 0; i < this.chunkCount; i++) {
            const c = this.chunk(i);
            chunks.push({ ...c, digest: c.digest.slice() });
        }
        return {
            chunkSize: this.chunkSize,
            digestAlgorithm: this.digestAlgorithm,
            compressor: this.compressor,
            blobs: this.blobs.map((b) => ({ ...b })),
            chunks,
            root,
            prefetch,
            buildTime: this.buildTime,
        };
    }
    /** A fresh model node for `nid` (directory entries filled in by the caller). */
    #makeNode(nid) {
        const info = this.inode(nid);
        const xattrs = new Map();
        for (const [name, value] of this.xattrs(nid))
            xattrs.set(name, value.slice());
        const base = { permissions: info.mode & PERMISSION_MASK, uid: info.uid, gid: info.gid, mtime: info.mtime, mtimeNsec: info.mtimeNsec, xattrs };
        switch (info.kind) {
            case 'file':
                return { kind: 'file', ...base, size: info.size, chunks: [...this.fileChunks(nid)] };
            case 'dir':
                return { kind: 'dir', ...base, entries: new Map() };
            case 'symlink':
                return { kind: 'symlink', ...base, target: this.readlink(nid) };
            case 'chardev':
            case 'blockdev':
                return { kind: info.kind, ...base, major: info.major, minor: info.minor };
            case 'fifo':
            case 'socket':
                return { kind: info.kind, ...base };
        }
    }
}
/**
 * The table reader for `bytes`: Nydus RAFS v6's when the superblock carries the RAFS v6 compat
 * bit and block 0 holds no darner header, darner's otherwise (which names what is wrong).
 */
function openTables(bytes, sb) {
    const magic = Buffer.from(bytes.subarray(DARNER_HEADER_OFFSET, DARNER_HEADER_OFFSET + DARNER_MAGIC.length)).toString('latin1');
    if (magic !== DARNER_MAGIC && (sb.featureCompat & FEATURE_COMPAT_RAFS_V6) !== 0)
        return openRafsTables(bytes, sb);
    return openDarnerTables(bytes, sb);
}
//# sourceMappingURL=reader.js.map