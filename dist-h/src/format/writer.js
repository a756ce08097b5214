/**
 * writeBootstrap: ImageMetadata → a RAFS v6 bootstrap (docs/format.md): a valid EROFS image
 * holding metadata only (file data lives in the blobs, named by chunk indexes) with Nydus's
 * extended superblock, blob table, prefetch table and chunk-info table, and the darner mark. The
 * layout is decided by planBootstrap; this module only encodes. Same model in, same bytes out.
 */
import { InvalidImageMetadataError } from '../errors.js';
import { CHUNK_FLAG_ZSTD, HOLE } from './model.js';
import { BLOCK_SIZE, BLOCK_SIZE_BITS, CHUNK_INDEX_ENTRY_SIZE, DATALAYOUT_CHUNK_BASED, DATALAYOUT_FLAT_INLINE, DEVICE_SLOT_SIZE, EROFS_MAGIC, FEATURE_INCOMPAT_CHUNKED_FILE, FEATURE_INCOMPAT_DEVICE_TABLE, NULL_ADDR, } from './constants.js';
import { blobBlocks } from './blob-table.js';
import { chunkIndexOffset, encodeChunkIndexEntry, HOLE_ENTRY } from './chunk-index.js';
import { sealDarnerMark } from './darner-mark.js';
import { encodeDeviceSlot } from './device-slot.js';
import { encodeDirectoryBlock, fileTypeOfKind } from './dirent.js';
import { encodeInode, inodeCoreSize, makeFormat, modeTypeOfKind } from './inode.js';
import { FEATURE_COMPAT_RAFS_V6, RAFS_BLOB_RECORD_SIZE, RAFS_CHUNK_RECORD_SIZE, RAFS_DEVICE_TABLE_SLOTOFF, RAFS_MAX_BLOBS, RAFS_MAX_CHUNKS_PER_BLOB, RAFS_PREFETCH_ENTRY_SIZE, encodeRafsBlobRecord, encodeRafsChunkIndexRef, encodeRafsChunkRecord, encodeRafsExtSuperblock, encodeRafsFlags, rafsBlobCodes, } from './rafs-v6.js';
import { encodeSuperblock } from './superblock.js';
import { validateImageMetadata } from './validate-metadata.js';
import { chunkInfoIndexes, planBootstrap } from './writer-plan.js';
/**
 * Encodes `meta` as a bootstrap. Throws InvalidImageMetadataError if the model breaks a rule of
 * the format (see validateImageMetadata) or does not fit RAFS v6 (more than 254 blobs, more than
 * 2^24 chunks in a blob, more than 2^32 blocks in the unified address space).
 */
export function writeBootstrap(meta) {
    validateImageMetadata(meta);
    if (meta.blobs.length > RAFS_MAX_BLOBS)
        throw new InvalidImageMetadataError(`${meta.blobs.length} blobs, but a RAFS v6 bootstrap holds at most ${RAFS_MAX_BLOBS}`);
    const tooBig = meta.blobs.findIndex((b) => b.chunkCount > RAFS_MAX_CHUNKS_PER_BLOB);
    if (tooBig >= 0)
        throw new InvalidImageMetadataError(`blob ${tooBig} has ${meta.blobs[tooBig].chunkCount} chunks, beyond RAFS v6's ${RAFS_MAX_CHUNKS_PER_BLOB} per blob`);
    const plan = planBootstrap(meta);
    const imageBlocks = plan.imageSize / BLOCK_SIZE;
    let unified = imageBlocks;
    for (const b of meta.blobs)
        unified += blobBlocks(b);
    if (unified > NULL_ADDR)
        throw new InvalidImageMetadataError(`bootstrap and blobs span ${unified} blocks, beyond 32-bit block addresses`);
    const image = Buffer.alloc(plan.imageSize);
    const ci = chunkInfoIndexes(meta);
    const blobsBlocks = writeDeviceTable(meta, plan, image, imageBlocks);
    for (const p of plan.inodes)
        writeInode(meta, plan, p, ci, image);
    writeTables(meta, plan, ci, image);
    encodeSuperblock({
        magic: EROFS_MAGIC,
        checksum: 0,
        featureCompat: FEATURE_COMPAT_RAFS_V6,
        blkszbits: BLOCK_SIZE_BITS,
        sbExtslots: 0,
        rootNid: plan.root.nid,
        inos: plan.inodes.length,
        buildTime: meta.buildTime,
        buildTimeNsec: 0,
        blocks: blobsBlocks,
        metaBlkaddr: plan.metaBlkaddr,
        xattrBlkaddr: 0,
        uuid: new Uint8Array(16),
        volumeName: new Uint8Array(16),
        featureIncompat: FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE,
        comprAlgs: 0,
        extraDevices: meta.blobs.length,
        devtSlotoff: RAFS_DEVICE_TABLE_SLOTOFF,
        dirblkbits: 0,
    }, image);
    // Last: the mark's checksum covers every other byte.
    sealDarnerMark(image);
    return image;
}
/**
 * One slot per blob. mapped_blkaddr places blob i right after the bootstrap and blobs 0..i−1, so
 * that `cat bootstrap blob0 blob1 …` mounts as one image (Nydus does not read the field). Returns
 * the blobs' blocks, which RAFS v6 stores as the superblock's `blocks`.
 */
function writeDeviceTable(meta, plan, image, imageBlocks) {
    let uniaddr = imageBlocks;
    meta.blobs.forEach((b, i) => {
        const blocks = blobBlocks(b);
        encodeDeviceSlot({ tag: b.id, blocks, uniaddr }, image, plan.deviceTableOffset + i * DEVICE_SLOT_SIZE);
        uniaddr += blocks;
    });
    return uniaddr - imageBlocks;
}
function writeInode(meta, plan, p, ci, image) {
    const node = p.node;
    const format = makeFormat(true, p.datalayout);
    encodeInode({
        format,
        xattrIcount: p.xattrIcount,
        mode: modeTypeOfKind(node.kind) | node.permissions,
        reserved: 0,
        nlink: p.nlink,
        size: p.size,
        mtime: node.mtime,
        mtimeNsec: node.mtimeNsec,
        u: p.u,
        ino: p.ordinal,
        uid: node.uid,
        gid: node.gid,
    }, image, p.offset);
    const afterCore = p.offset + inodeCoreSize(format);
    image.set(p.xattrIbody, afterCore);
    const inlineAt = afterCore + p.xattrIbody.length;
    if (node.kind === 'file' && p.datalayout === DATALAYOUT_CHUNK_BASED) {
        let at = chunkIndexOffset(p.offset, inodeCoreSize(format), p.xattrIbody.length);
        for (const slot of node.chunks) {
            if (slot === HOLE) {
                encodeChunkIndexEntry(HOLE_ENTRY, image, at);
            }
            else {
                const chunk = meta.chunks[slot];
                const ref = encodeRafsChunkIndexRef(chunk.blobIndex + 1, ci[slot]);
                encodeChunkIndexEntry({ ...ref, blkaddr: chunk.uncompressedOffset / BLOCK_SIZE }, image, at);
            }
            at += CHUNK_INDEX_ENTRY_SIZE;
        }
    }
    else if (node.kind === 'dir') {
        const entries = p.entries;
        const starts = p.blockStarts;
        starts.forEach((start, k) => {
            const end = starts[k + 1] ?? entries.length;
            const bytes = encodeDirectoryBlock(entries.slice(start, end).map((e) => {
                const target = plan.byNode.get(e.node);
                return { name: e.name, nid: target.nid, fileType: fileTypeOfKind(e.node.kind) };
            }));
            const isTail = k === starts.length - 1 && p.datalayout === DATALAYOUT_FLAT_INLINE;
            image.set(bytes, isTail ? inlineAt : (p.u + k) * BLOCK_SIZE);
        });
    }
    else if (node.kind === 'symlink') {
        image.set(p.target, p.datalayout === DATALAYOUT_FLAT_INLINE ? inlineAt : p.u * BLOCK_SIZE);
    }
}
/** The extended superblock and the tables it locates: blobs, prefetch nids, chunk-info records. */
function writeTables(meta, plan, ci, image) {
    const codes = rafsBlobCodes(meta.compressor, meta.digestAlgorithm);
    meta.blobs.forEach((b, i) => encodeRafsBlobRecord({ id: b.id, chunkSize: meta.chunkSize, chunkCount: b.chunkCount, ...codes, compressedSize: b.compressedSize, uncompressedSize: b.uncompressedSize, ...(b.chunkInfoOffset !== undefined ? { chunkInfoOffset: b.chunkInfoOffset } : {}) }, i, image, plan.blobTableOffset + i * RAFS_BLOB_RECORD_SIZE));
    meta.prefetch.forEach((f, i) => image.writeUInt32LE(plan.byNode.get(f).nid, plan.prefetchTableOffset + i * RAFS_PREFETCH_ENTRY_SIZE));
    const firstUse = firstFileOffsets(meta, plan);
    meta.chunks.forEach((c, i) => encodeRafsChunkRecord({ ...c, compressed: (c.flags & CHUNK_FLAG_ZSTD) !== 0, fileOffset: firstUse[i], ciIndex: ci[i] }, image, plan.chunkTableOffset + i * RAFS_CHUNK_RECORD_SIZE));
    let hasXattr = false;
    for (const p of plan.inodes)
        hasXattr ||= p.xattrIcount > 0;
    encodeRafsExtSuperblock({
        flags: encodeRafsFlags({ compressor: meta.compressor, digestAlgorithm: meta.digestAlgorithm, hasXattr }),
        blobTableOffset: plan.blobTableOffset,
        blobTableSize: meta.blobs.length * RAFS_BLOB_RECORD_SIZE,
        chunkSize: meta.chunkSize,
        chunkTableOffset: plan.chunkTableOffset,
        chunkTableSize: meta.chunks.length * RAFS_CHUNK_RECORD_SIZE,
        prefetchTableOffset: plan.prefetchTableOffset,
        prefetchTableSize: meta.prefetch.length * RAFS_PREFETCH_ENTRY_SIZE,
    }, image);
}
/** For each chunk, the file offset of its first use in nid order (the record's file_offset), else 0. */
function firstFileOffsets(meta, plan) {
    const out = new Array(meta.chunks.length).fill(0);
    const seen = new Uint8Array(meta.chunks.length);
    for (const { node } of plan.inodes) {
        if (node.kind !== 'file')
            continue;
        node.chunks.forEach((slot, k) => {
            if (slot === HOLE || seen[slot] === 1)
                return;
            seen[slot] = 1;
            out[slot] = k * meta.chunkSize;
        });
    }
    return out;
}
//# sourceMappingURL=writer.js.map