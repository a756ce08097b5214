/**
 * A hostile-input reader for the EROFS part of a bootstrap (and for any image in darner's EROFS
 * subset, such as one made by `mkfs.erofs --chunksize --blobdev`): superblock and device table
 * eagerly, every inode, directory, xattr body, symlink and chunk index lazily on first access,
 * each result cached. Every offset is checked against the metadata area before it is read; every
 * failure is a MalformedBootstrapError naming what and where.
 */
import { MalformedBootstrapError } from '../errors.js';
import { BLOCK_SIZE, DATALAYOUT_CHUNK_BASED, DATALAYOUT_FLAT_INLINE, DATALAYOUT_FLAT_PLAIN, DEVICE_SLOT_SIZE, FEATURE_COMPAT_SB_CHKSUM, FEATURE_INCOMPAT_DEVICE_TABLE, INODE_SLOT_SIZE, MAX_SYMLINK_TARGET, NULL_ADDR, SUPERBLOCK_OFFSET, } from './constants.js';
import { decodeUtf8, hex, isU64 } from './bytes.js';
import { chunkCountOf, chunkIndexOffset, decodeChunkFormat, decodeChunkIndex } from './chunk-index.js';
import { decodeDeviceSlot, validateDeviceSlot } from './device-slot.js';
import { compareNames, decodeDirectoryBlock, kindOfFileType } from './dirent.js';
import { datalayoutOf, decodeInode, decodeRdev, inodeCoreSize, isExtended, kindOfMode, validateInode } from './inode.js';
import { decodeSuperblock, superblockChecksum, validateSuperblock } from './superblock.js';
import { decodeXattrEntry, decodeXattrIbody, entryName, validateXattrEntry, xattrIbodySize } from './xattr.js';
/** Throws a MalformedBootstrapError prefixed with `where`. */
export function malformed(where, message) {
    throw new MalformedBootstrapError(`${where}: ${message}`);
}
/** Runs `fn`, prefixing the message of any MalformedBootstrapError it throws with `where`. */
export function within(where, fn) {
    try {
        return fn();
    }
    catch (err) {
        if (err instanceof MalformedBootstrapError)
            throw new MalformedBootstrapError(`${where}: ${err.message}`);
        throw err;
    }
}
/**
 * Decodes and checks the superblock: size, magic, geometry, feature bits, and the checksum when
 * the image claims one (or always, with requireChecksum).
 */
export function readSuperblock(bytes, requireChecksum = false) {
    if (bytes.length < BLOCK_SIZE)
        malformed('image', `${bytes.length} bytes, smaller than one ${BLOCK_SIZE}-byte block`);
    const sb = decodeSuperblock(bytes, SUPERBLOCK_OFFSET);
    const problem = validateSuperblock(sb);
    if (problem !== undefined)
        malformed('superblock', problem);
    const hasChecksum = (sb.featureCompat & FEATURE_COMPAT_SB_CHKSUM) !== 0;
    if (requireChecksum && !hasChecksum)
        malformed('superblock', 'checksum feature (SB_CHKSUM) is not set');
    if (hasChecksum) {
        const actual = superblockChecksum(bytes);
        if (actual !== sb.checksum)
            malformed('superblock', `checksum ${hex(sb.checksum)} does not match the computed ${hex(actual)}`);
    }
    return sb;
}
export class ErofsImage {
    bytes;
    superblock;
    /** Device slots (empty unless the DEVICE_TABLE feature is set). Device id N is slot N − 1. */
    devices;
    rootNid;
    /** End of the metadata area, see ErofsParseOptions.metaEnd. */
    metaEnd;
    #metaBase;
    #crossBlocks;
    #indexChunkBits;
    #inodes = new Map();
    #infos = new Map();
    #rawDirs = new Map();
    #dirs = new Map();
    #lookups = new Map();
    #xattrs = new Map();
    #links = new Map();
    constructor(bytes, sb, metaEnd, options) {
        this.bytes = bytes;
        this.#crossBlocks = options.inodesMayCrossBlocks ?? false;
        this.#indexChunkBits = options.indexChunkBits;
        this.superblock = sb;
        this.metaEnd = metaEnd;
        this.rootNid = sb.rootNid;
        this.#metaBase = sb.metaBlkaddr * BLOCK_SIZE;
        if (this.#metaBase >= metaEnd)
            malformed('superblock', `meta_blkaddr ${sb.metaBlkaddr} is past the metadata area`);
        this.devices = this.#readDevices();
        const root = this.locate(sb.rootNid, 'root inode');
        if (root.kind !== 'dir')
            malformed(`root inode ${sb.rootNid}`, `is a ${root.kind}, not a directory`);
    }
    /** Parses the superblock and device table and checks the root inode; the rest is lazy. */
    static parse(bytes, options = {}) {
        const sb = readSuperblock(bytes, options.requireChecksum ?? false);
        const metaEnd = options.metaEnd ?? bytes.length;
        if (!Number.isSafeInteger(metaEnd) || metaEnd < BLOCK_SIZE || metaEnd > bytes.length)
            malformed('image', `metadata end ${metaEnd} is outside [${BLOCK_SIZE}, ${bytes.length}]`);
        return new ErofsImage(bytes, sb, metaEnd, options);
    }
    #readDevices() {
        const sb = this.superblock;
        if ((sb.featureIncompat & FEATURE_INCOMPAT_DEVICE_TABLE) === 0)
            return [];
        const start = sb.devtSlotoff * DEVICE_SLOT_SIZE;
        const end = start + sb.extraDevices * DEVICE_SLOT_SIZE;
        if (sb.extraDevices > 0 && (start < SUPERBLOCK_OFFSET + 128 && end > SUPERBLOCK_OFFSET))
            malformed('device table', `bytes [${start}, ${end}) overlap the superblock`);
        if (end > this.metaEnd)
            malformed('device table', `bytes [${start}, ${end}) run past the metadata area (${this.metaEnd} bytes)`);
        const slots = [];
        for (let i = 0; i < sb.extraDevices; i++) {
            const slot = decodeDeviceSlot(this.bytes, start + i * DEVICE_SLOT_SIZE);
            const problem = validateDeviceSlot(slot);
            if (problem !== undefined)
                malformed(`device slot ${i}`, problem);
            slots.push(slot);
        }
        return slots;
    }
    /** Byte offset of an inode (no checks). */
    inodeOffset(nid) {
        return this.#metaBase + nid * INODE_SLOT_SIZE;
    }
    /**
     * Decodes and checks inode `nid`: its bytes, format, type, and that its inline data, chunk index
     * or data blocks lie inside the metadata area. Cached.
     */
    locate(nid, what = 'inode') {
        const cached = this.#inodes.get(nid);
        if (cached !== undefined)
            return cached;
        const where = `${what} ${nid}`;
        if (!isU64(nid))
            malformed(where, 'not a valid nid');
        const offset = this.inodeOffset(nid);
        if (offset + 32 > this.metaEnd)
            malformed(where, `offset ${offset} is outside the metadata area (${this.metaEnd} bytes)`);
        const formatByte = this.bytes[offset];
        const coreSize = inodeCoreSize(formatByte);
        if (offset + coreSize > this.metaEnd)
            malformed(where, `offset ${offset} is outside the metadata area (${this.metaEnd} bytes)`);
        if (!this.#crossBlocks && (offset % BLOCK_SIZE) + coreSize > BLOCK_SIZE)
            malformed(where, `crosses a block boundary`);
        const record = decodeInode(this.bytes, offset);
        const problem = validateInode(record);
        if (problem !== undefined)
            malformed(where, problem);
        const kind = kindOfMode(record.mode);
        const datalayout = datalayoutOf(record.format);
        const xattrSize = xattrIbodySize(record.xattrIcount);
        const dataOffset = offset + coreSize + xattrSize;
        if (dataOffset > this.metaEnd)
            malformed(where, `xattrs (${xattrSize} bytes) run past the metadata area`);
        const located = { nid, record, kind, datalayout, offset, coreSize, xattrSize };
        const size = record.size;
        switch (kind) {
            case 'file':
                if (datalayout === DATALAYOUT_CHUNK_BASED) {
                    const fmt = decodeChunkFormat(record.u);
                    if ('problem' in fmt)
                        malformed(where, fmt.problem);
                    const count = chunkCountOf(size, this.#indexChunkBits ?? fmt.chunkBits);
                    const start = chunkIndexOffset(offset, coreSize, xattrSize);
                    if (start + count * 8 > this.metaEnd)
                        malformed(where, `chunk index of ${count} entries runs past the metadata area`);
                    located.chunkBits = fmt.chunkBits;
                }
                else if (datalayout !== DATALAYOUT_FLAT_PLAIN || size !== 0) {
                    malformed(where, `regular file with data must be chunk-based (layout ${datalayout}, size ${size})`);
                }
                break;
            case 'dir':
            case 'symlink':
                if (datalayout !== DATALAYOUT_FLAT_PLAIN && datalayout !== DATALAYOUT_FLAT_INLINE)
                    malformed(where, `${kind} with data layout ${datalayout} (flat layouts only)`);
                if (size === 0)
                    malformed(where, `empty ${kind === 'dir' ? 'directory (no . and ..)' : 'symlink target'}`);
                if (kind === 'symlink' && size > MAX_SYMLINK_TARGET)
                    malformed(where, `symlink target of ${size} bytes (at most ${MAX_SYMLINK_TARGET})`);
                this.#checkFlatData(located, where);
                break;
            default:
                if (datalayout !== DATALAYOUT_FLAT_PLAIN || size !== 0)
                    malformed(where, `${kind} must be flat with size 0 (layout ${datalayout}, size ${size})`);
        }
        this.#inodes.set(nid, located);
        return located;
    }
    /** Flat data: the inline tail must not cross a block, the plain blocks must lie in the metadata area. */
    #checkFlatData(ino, where) {
        const size = ino.record.size;
        const blocks = Math.ceil(size / BLOCK_SIZE);
        let plainBlocks = blocks;
        if (ino.datalayout === DATALAYOUT_FLAT_INLINE) {
            const tail = size - (blocks - 1) * BLOCK_SIZE;
            const at = ino.offset + ino.coreSize + ino.xattrSize;
            if ((at % BLOCK_SIZE) + tail > BLOCK_SIZE)
                malformed(where, `inline data (${tail} bytes at ${at}) crosses a block boundary`);
            if (at + tail > this.metaEnd)
                malformed(where, `inline data runs past the metadata area`);
            plainBlocks -= 1;
        }
        if (plainBlocks > 0) {
            const u = ino.record.u;
            if (u === NULL_ADDR || (u + plainBlocks) * BLOCK_SIZE > this.metaEnd)
                malformed(where, `data blocks [${u}, +${plainBlocks}) lie outside the metadata area (${this.metaEnd / BLOCK_SIZE} blocks)`);
        }
    }
    /** Byte offset of logical block `blockIndex` of a flat inode's data (inline tail or data block). */
    #flatDataAt(ino, blockIndex) {
        const lastBlock = Math.ceil(ino.record.size / BLOCK_SIZE) - 1;
        if (ino.datalayout === DATALAYOUT_FLAT_INLINE && blockIndex === lastBlock)
            return ino.offset + ino.coreSize + ino.xattrSize;
        return (ino.record.u + blockIndex) * BLOCK_SIZE;
    }
    /** stat-like attributes of `nid`. Cached. */
    inode(nid) {
        const cached = this.#infos.get(nid);
        if (cached !== undefined)
            return cached;
        const { record, kind } = this.locate(nid);
        const compact = !isExtended(record.format);
        const dev = kind === 'chardev' || kind === 'blockdev' ? decodeRdev(record.u) : { major: 0, minor: 0 };
        const info = Object.freeze({
            nid,
            kind,
            mode: record.mode,
            uid: record.uid,
            gid: record.gid,
            size: record.size,
            nlink: record.nlink,
            // Compact inodes: the build time, plus the u32 that Linux 6.x reads at +0x0C (0 from darner).
            mtime: compact ? this.superblock.buildTime + record.mtime : record.mtime,
            mtimeNsec: compact ? this.superblock.buildTimeNsec : record.mtimeNsec,
            major: dev.major,
            minor: dev.minor,
        });
        this.#infos.set(nid, info);
        return info;
    }
    /** Every entry of directory `nid` in stored order, `.` and `..` included, all rules checked. Cached. */
    rawDirEntries(nid) {
        const cached = this.#rawDirs.get(nid);
        if (cached !== undefined)
            return cached;
        const ino = this.locate(nid);
        if (ino.kind !== 'dir')
            malformed(`inode ${nid}`, `is a ${ino.kind}, not a directory`);
        const size = ino.record.size;
        const blocks = Math.ceil(size / BLOCK_SIZE);
        const out = [];
        let prev;
        let dot = false;
        let dotdot = false;
        for (let k = 0; k < blocks; k++) {
            const where = `directory ${nid} block ${k}`;
            const length = Math.min(BLOCK_SIZE, size - k * BLOCK_SIZE);
            const entries = within(where, () => decodeDirectoryBlock(this.bytes, this.#flatDataAt(ino, k), length));
            for (const e of entries) {
                if (prev !== undefined && compareNames(prev, e.name) >= 0)
                    malformed(where, `name ${JSON.stringify(Buffer.from(e.name).toString('latin1'))} is out of order`);
                prev = e.name;
                const name = decodeUtf8(e.name);
                if (name === undefined)
                    malformed(where, `a name is not valid UTF-8`);
                if (name.includes('/'))
                    malformed(where, `name ${JSON.stringify(name)} contains '/'`);
                if (name === '.') {
                    dot = true;
                    if (e.nid !== nid)
                        malformed(where, `"." points at ${e.nid}, not the directory itself`);
                }
                else if (name === '..') {
                    dotdot = true;
                }
                out.push({ name, nid: e.nid, fileType: e.fileType });
            }
        }
        if (!dot || !dotdot)
            malformed(`directory ${nid}`, `has no ${dot ? '".."' : '"."'} entry`);
        Object.freeze(out);
        this.#rawDirs.set(nid, out);
        return out;
    }
    /** The `..` entry of directory `nid`. */
    parentOf(nid) {
        return this.rawDirEntries(nid).find((e) => e.name === '..').nid;
    }
    /**
     * Entries of directory `nid` without `.` and `..`, in name order, each with the kind of its
     * inode (which must match the dirent's file type). Cached; do not modify.
     */
    readdir(nid) {
        const cached = this.#dirs.get(nid);
        if (cached !== undefined)
            return cached;
        const out = [];
        for (const e of this.rawDirEntries(nid)) {
            const where = `directory ${nid} entry ${JSON.stringify(e.name)}`;
            const kind = within(where, () => this.locate(e.nid).kind);
            if (e.name === '.' || e.name === '..') {
                if (kind !== 'dir')
                    malformed(where, `points at a ${kind}`);
                continue;
            }
            if (kindOfFileType(e.fileType) !== kind)
                malformed(where, `has file type ${e.fileType} but inode ${e.nid} is a ${kind}`);
            out.push(Object.freeze({ name: e.name, nid: e.nid, kind }));
        }
        Object.freeze(out);
        this.#dirs.set(nid, out);
        return out;
    }
    /** The nid that `name` names in directory `dirNid` (never `.` or `..`), or undefined. */
    lookup(dirNid, name) {
        let index = this.#lookups.get(dirNid);
        if (index === undefined) {
            index = new Map(this.readdir(dirNid).map((e) => [e.name, e.nid]));
            this.#lookups.set(dirNid, index);
        }
        return index.get(name);
    }
    /** The target of symlink `nid`. Cached. */
    readlink(nid) {
        const cached = this.#links.get(nid);
        if (cached !== undefined)
            return cached;
        const ino = this.locate(nid);
        if (ino.kind !== 'symlink')
            malformed(`inode ${nid}`, `is a ${ino.kind}, not a symlink`);
        const at = this.#flatDataAt(ino, 0);
        const bytes = this.bytes.subarray(at, at + ino.record.size);
        const target = decodeUtf8(bytes);
        if (target === undefined || target.includes('\0'))
            malformed(`symlink ${nid}`, `target is not UTF-8 without NUL`);
        this.#links.set(nid, target);
        return target;
    }
    /** Extended attributes of `nid` by full name (shared ones resolved). Cached; do not modify. */
    xattrs(nid) {
        const cached = this.#xattrs.get(nid);
        if (cached !== undefined)
            return cached;
        const ino = this.locate(nid);
        const where = `inode ${nid} xattrs`;
        const ibody = within(where, () => decodeXattrIbody(this.bytes, ino.offset + ino.coreSize, ino.record.xattrIcount));
        const entries = [];
        for (const id of ibody.sharedIds) {
            const at = this.superblock.xattrBlkaddr * BLOCK_SIZE + 4 * id;
            if (at >= this.metaEnd)
                malformed(where, `shared xattr ${id} is outside the metadata area`);
            entries.push(within(`${where} shared ${id}`, () => decodeXattrEntry(this.bytes, at, this.metaEnd).entry));
        }
        entries.push(...ibody.entries);
        const out = new Map();
        for (const entry of entries) {
            const problem = validateXattrEntry(entry);
            if (problem !== undefined)
                malformed(where, problem);
            const name = entryName(entry);
            if (out.has(name))
                malformed(where, `${JSON.stringify(name)} appears twice`);
            out.set(name, entry.value);
        }
        this.#xattrs.set(nid, out);
        return out;
    }
    /** The raw chunk index of regular file `nid` (empty for an empty flat file) and its chunk bits. */
    chunkIndex(nid) {
        const ino = this.locate(nid);
        if (ino.kind !== 'file')
            malformed(`inode ${nid}`, `is a ${ino.kind}, not a regular file`);
        if (ino.chunkBits === undefined)
            return { chunkBits: undefined, entries: [] };
        const count = chunkCountOf(ino.record.size, this.#indexChunkBits ?? ino.chunkBits);
        const start = chunkIndexOffset(ino.offset, ino.coreSize, ino.xattrSize);
        return { chunkBits: ino.chunkBits, entries: within(`inode ${nid}`, () => decodeChunkIndex(this.bytes, start, count)) };
    }
}
//# sourceMappingURL=erofs-image.js.map