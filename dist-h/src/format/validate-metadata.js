/**
 * Rules an ImageMetadata must follow to be written as a bootstrap. The writer calls
 * validateImageMetadata first, so a bad model fails with a message naming the path or table entry
 * instead of producing an image that the kernel or the reader would reject.
 */
import { InvalidImageMetadataError } from '../errors.js';
import { BLOCK_SIZE, CHUNK_FLAG_ZSTD, HOLE } from './model.js';
import { MAX_BLOBS, MAX_NAME_LENGTH, MAX_SYMLINK_TARGET, MAX_TREE_DEPTH, MAX_XATTR_ICOUNT, PERMISSION_MASK, XATTR_IBODY_HEADER_SIZE, } from './constants.js';
import { encodeUtf8, isU32, isU64, isWellFormedUtf8String } from './bytes.js';
import { validateBlobRecord } from './blob-table.js';
import { blobMetaSize, chunkInfoProblem } from './blob-meta.js';
import { validateChunkInBlob, validateChunkRecord } from './chunk-table.js';
import { isChunkSize } from './extension-header.js';
import { MAX_DEVICE_MAJOR, MAX_DEVICE_MINOR } from './inode.js';
import { makeXattrEntry, validateXattrEntry, xattrEntrySize } from './xattr.js';
function fail(message) {
    throw new InvalidImageMetadataError(message);
}
/** Throws InvalidImageMetadataError for the first rule `meta` breaks. */
export function validateImageMetadata(meta) {
    if (!isChunkSize(meta.chunkSize))
        fail(`chunk size ${meta.chunkSize} is not a power of two from 4 KiB to 16 MiB`);
    if (meta.digestAlgorithm !== 'blake3' && meta.digestAlgorithm !== 'sha256')
        fail(`unknown digest algorithm ${JSON.stringify(meta.digestAlgorithm)}`);
    if (meta.compressor !== 'zstd' && meta.compressor !== 'none')
        fail(`unknown compressor ${JSON.stringify(meta.compressor)}`);
    if (!isU64(meta.buildTime))
        fail(`build time ${meta.buildTime} is not a non-negative 53-bit integer`);
    validateBlobs(meta);
    validateChunks(meta);
    const files = validateTree(meta);
    meta.prefetch.forEach((node, i) => {
        if (!files.has(node))
            fail(`prefetch entry ${i} is not a regular file of the tree`);
    });
}
function validateBlobs(meta) {
    if (meta.blobs.length > MAX_BLOBS)
        fail(`${meta.blobs.length} blobs (EROFS allows at most ${MAX_BLOBS} devices)`);
    const seen = new Map();
    meta.blobs.forEach((b, i) => {
        const problem = validateBlobRecord(b);
        if (problem !== undefined)
            fail(`blob ${i}: ${problem}`);
        // RAFS v6 records a blob's uncompressed space in whole blocks (every chunk is padded to one).
        if (b.uncompressedSize % BLOCK_SIZE !== 0)
            fail(`blob ${i}: uncompressed size ${b.uncompressedSize} is not a multiple of ${BLOCK_SIZE}`);
        if (b.chunkInfoOffset !== undefined && (!Number.isSafeInteger(b.chunkInfoOffset) || b.chunkInfoOffset + blobMetaSize(b.chunkCount) !== b.compressedSize))
            fail(`blob ${i}: chunk-info array at ${b.chunkInfoOffset} with its header does not end the blob at ${b.compressedSize} bytes`);
        const other = seen.get(b.id);
        if (other !== undefined)
            fail(`blob ${i} has the same id as blob ${other}`);
        seen.set(b.id, i);
    });
}
function validateChunks(meta) {
    const counts = new Array(meta.blobs.length).fill(0);
    meta.chunks.forEach((c, i) => {
        const problem = validateChunkRecord(c, meta.chunkSize);
        if (problem !== undefined)
            fail(`chunk ${i}: ${problem}`);
        const blob = meta.blobs[c.blobIndex];
        if (blob === undefined)
            fail(`chunk ${i}: blob index ${c.blobIndex} but the image has ${meta.blobs.length} blobs`);
        const inBlob = validateChunkInBlob(c, blob);
        if (inBlob !== undefined)
            fail(`chunk ${i}: ${inBlob}`);
        const entry = blob.chunkInfoOffset === undefined ? undefined : chunkInfoProblem(c);
        if (entry !== undefined)
            fail(`chunk ${i}: no chunk-info entry can describe it: ${entry}`);
        if (meta.compressor === 'none' && (c.flags & CHUNK_FLAG_ZSTD) !== 0)
            fail(`chunk ${i}: zstd-compressed in an image whose compressor is none`);
        counts[c.blobIndex] += 1;
    });
    meta.blobs.forEach((b, i) => {
        if (b.chunkCount !== counts[i])
            fail(`blob ${i}: chunk count ${b.chunkCount} but the chunk table has ${counts[i]}`);
    });
    const overlap = findChunkOverlap(meta.chunks);
    if (overlap !== undefined)
        fail(overlap);
}
/**
 * Describes the first pair of chunks of one blob whose uncompressed or compressed ranges overlap,
 * or returns undefined. Shared with the reader.
 */
export function findChunkOverlap(chunks) {
    const order = chunks.map((_, i) => i);
    for (const space of ['uncompressed', 'compressed']) {
        const start = (i) => space === 'uncompressed' ? chunks[i].uncompressedOffset : chunks[i].compressedOffset;
        const size = (i) => (space === 'uncompressed' ? chunks[i].uncompressedSize : chunks[i].compressedSize);
        order.sort((a, b) => chunks[a].blobIndex - chunks[b].blobIndex || start(a) - start(b) || a - b);
        for (let k = 1; k < order.length; k++) {
            const a = order[k - 1];
            const b = order[k];
            if (chunks[a].blobIndex === chunks[b].blobIndex && start(a) + size(a) > start(b))
                return `chunks ${a} and ${b} overlap in the ${space} space of blob ${chunks[b].blobIndex}`;
        }
    }
    return undefined;
}
function validateName(name, where) {
    if (name === '' || name === '.' || name === '..')
        fail(`${where}: invalid entry name ${JSON.stringify(name)}`);
    if (name.includes('/') || name.includes('\0'))
        fail(`${where}: entry name ${JSON.stringify(name)} contains '/' or NUL`);
    if (!isWellFormedUtf8String(name))
        fail(`${where}: entry name is not well-formed Unicode`);
    const length = Buffer.byteLength(name, 'utf8');
    if (length > MAX_NAME_LENGTH)
        fail(`${where}: entry name is ${length} bytes (at most ${MAX_NAME_LENGTH})`);
}
function validateAttributes(n, where) {
    if (!Number.isInteger(n.permissions) || n.permissions < 0 || n.permissions > PERMISSION_MASK)
        fail(`${where}: permissions ${n.permissions} outside 0..0o7777`);
    if (!isU32(n.uid))
        fail(`${where}: uid ${n.uid} outside 0..2^32-1`);
    if (!isU32(n.gid))
        fail(`${where}: gid ${n.gid} outside 0..2^32-1`);
    if (!Number.isSafeInteger(n.mtime))
        fail(`${where}: mtime ${n.mtime} is not a 53-bit integer`);
    if (!Number.isInteger(n.mtimeNsec) || n.mtimeNsec < 0 || n.mtimeNsec > 999_999_999)
        fail(`${where}: mtime nanoseconds ${n.mtimeNsec} outside 0..999999999`);
    let ibody = XATTR_IBODY_HEADER_SIZE;
    for (const [name, value] of n.xattrs) {
        const entry = makeXattrEntry(name, value);
        if (entry === undefined)
            fail(`${where}: xattr ${JSON.stringify(name)} has no EROFS name prefix (user., trusted., security., system.posix_acl_*)`);
        if (!isWellFormedUtf8String(name))
            fail(`${where}: xattr name is not well-formed Unicode`);
        const problem = validateXattrEntry(entry);
        if (problem !== undefined)
            fail(`${where}: xattr ${JSON.stringify(name)}: ${problem}`);
        ibody += xattrEntrySize(entry.nameSuffix.length, entry.value.length);
    }
    if (n.xattrs.size > 0 && 1 + (ibody - XATTR_IBODY_HEADER_SIZE) / 4 > MAX_XATTR_ICOUNT)
        fail(`${where}: xattrs take ${ibody} bytes, more than an inode can hold`);
}
/** Walks the tree checking every node; returns the set of regular files (for the prefetch check). */
function validateTree(meta) {
    const files = new Set();
    const seenDirs = new Set();
    const validated = new Set();
    if (meta.root?.kind !== 'dir')
        fail(`root is not a directory`);
    const stack = [{ node: meta.root, path: '/', depth: 0 }];
    while (stack.length > 0) {
        const { node, path, depth } = stack.pop();
        if (node.kind === 'dir') {
            if (seenDirs.has(node))
                fail(`${path}: directory appears twice in the tree (hard-linked or cyclic)`);
            seenDirs.add(node);
            if (depth > MAX_TREE_DEPTH)
                fail(`${path}: nested deeper than ${MAX_TREE_DEPTH} directories`);
            for (const [name, child] of node.entries) {
                validateName(name, path);
                stack.push({ node: child, path: path === '/' ? `/${name}` : `${path}/${name}`, depth: depth + 1 });
            }
        }
        if (validated.has(node))
            continue;
        validated.add(node);
        validateAttributes(node, path);
        switch (node.kind) {
            case 'file':
                files.add(node);
                validateFile(meta, node, path);
                break;
            case 'symlink': {
                if (!isWellFormedUtf8String(node.target) || node.target.includes('\0'))
                    fail(`${path}: symlink target is not well-formed Unicode without NUL`);
                const length = encodeUtf8(node.target).length;
                if (length === 0 || length > MAX_SYMLINK_TARGET)
                    fail(`${path}: symlink target is ${length} bytes (1..${MAX_SYMLINK_TARGET})`);
                break;
            }
            case 'chardev':
            case 'blockdev':
                if (!Number.isInteger(node.major) || node.major < 0 || node.major > MAX_DEVICE_MAJOR)
                    fail(`${path}: device major ${node.major} outside 0..${MAX_DEVICE_MAJOR}`);
                if (!Number.isInteger(node.minor) || node.minor < 0 || node.minor > MAX_DEVICE_MINOR)
                    fail(`${path}: device minor ${node.minor} outside 0..${MAX_DEVICE_MINOR}`);
                break;
            case 'dir':
            case 'fifo':
            case 'socket':
                break;
            default:
                fail(`${path}: unknown node kind ${JSON.stringify(node.kind)}`);
        }
    }
    return files;
}
function validateFile(meta, node, path) {
    if (!isU64(node.size))
        fail(`${path}: size ${node.size} is not a non-negative 53-bit integer`);
    const expected = Math.ceil(node.size / meta.chunkSize);
    if (node.chunks.length !== expected)
        fail(`${path}: ${node.chunks.length} chunk slots but a ${node.size}-byte file has ${expected}`);
    node.chunks.forEach((slot, i) => {
        if (slot === HOLE)
            return;
        const chunk = Number.isInteger(slot) ? meta.chunks[slot] : undefined;
        if (chunk === undefined)
            fail(`${path}: chunk slot ${i} is ${slot}, not HOLE or an index below ${meta.chunks.length}`);
        const length = Math.min(meta.chunkSize, node.size - i * meta.chunkSize);
        if (chunk.uncompressedSize !== length)
            fail(`${path}: chunk slot ${i} names chunk ${slot} of ${chunk.uncompressedSize} bytes but the slot holds ${length}`);
    });
}
//# sourceMappingURL=validate-metadata.js.map