import { CHUNK_FLAG_ZSTD } from './model.js';
import { BLOCK_SIZE, DEVICE_SLOT_SIZE, FEATURE_INCOMPAT_CHUNKED_FILE, FEATURE_INCOMPAT_DEVICE_TABLE, NULL_ADDR } from './constants.js';
import { alignUp, hex, isU16, isU32 } from './bytes.js';
import { chunkInfoProblem } from './blob-meta.js';
import { blobBlocks } from './blob-table.js';
import { decodeDarnerMark, validateDarnerMark } from './darner-mark.js';
import { malformed } from './erofs-image.js';
import { isChunkSize } from './extension-header.js';
import { RAFS_BLOB_RECORD_SIZE, RAFS_CHUNK_COMPRESSED, RAFS_CHUNK_RECORD_SIZE, RAFS_DEVICE_TABLE_SLOTOFF, RAFS_MAX_BLOBS, RAFS_PREFETCH_ENTRY_SIZE, darnerBlobMetaOffset, decodeRafsBlobRecord, decodeRafsChunkIndexRef, decodeRafsChunkRecord, decodeRafsExtSuperblock, decodeRafsFlags, validateRafsBlobRecord, validateRafsChunkFlags, } from './rafs-v6.js';
const WHERE = 'RAFS extended superblock';
export function openRafsTables(bytes, sb) {
    if (bytes.length % BLOCK_SIZE !== 0)
        malformed('image', `${bytes.length} bytes is not a whole number of ${BLOCK_SIZE}-byte blocks`);
    const required = FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE;
    if ((sb.featureIncompat & required) !== required)
        malformed('superblock', `incompatible features ${hex(sb.featureIncompat)} lack CHUNKED_FILE | DEVICE_TABLE (${hex(required)})`);
    if (sb.devtSlotoff !== RAFS_DEVICE_TABLE_SLOTOFF)
        malformed('superblock', `device table slot offset ${sb.devtSlotoff} (RAFS v6 puts it at ${RAFS_DEVICE_TABLE_SLOTOFF})`);
    if (sb.extraDevices > RAFS_MAX_BLOBS)
        malformed('superblock', `${sb.extraDevices} devices (RAFS v6 allows at most ${RAFS_MAX_BLOBS})`);
    if (sb.xattrBlkaddr !== 0)
        malformed('superblock', `xattr_blkaddr ${sb.xattrBlkaddr} (RAFS v6 has no shared xattrs)`);
    const mark = decodeDarnerMark(bytes);
    if (mark !== undefined) {
        const problem = validateDarnerMark(mark, bytes);
        if (problem !== undefined)
            malformed('darner mark', problem);
    }
    const strict = mark !== undefined;
    const ext = decodeRafsExtSuperblock(bytes);
    const settings = decodeRafsFlags(ext.flags);
    if ('problem' in settings)
        malformed(WHERE, settings.problem);
    if (!isChunkSize(ext.chunkSize))
        malformed(WHERE, `chunk size ${ext.chunkSize} is not a power of two from 4 KiB to 16 MiB`);
    // The builder's order: device table, blob table, prefetch table, (meta_blkaddr) inodes and
    // directories, chunk table. Every table must lie inside the image and in this order.
    const metaBase = sb.metaBlkaddr * BLOCK_SIZE;
    const deviceTableEnd = RAFS_DEVICE_TABLE_SLOTOFF * DEVICE_SLOT_SIZE + sb.extraDevices * DEVICE_SLOT_SIZE;
    const blobCount = ext.blobTableSize / RAFS_BLOB_RECORD_SIZE;
    if (!Number.isInteger(blobCount))
        malformed(WHERE, `blob table size ${ext.blobTableSize} is not a multiple of ${RAFS_BLOB_RECORD_SIZE}`);
    if (blobCount !== sb.extraDevices)
        malformed(WHERE, `blob table lists ${blobCount} blobs but the superblock has ${sb.extraDevices} devices`);
    const blobTableEnd = ext.blobTableOffset + ext.blobTableSize;
    if (blobCount > 0 && (ext.blobTableOffset % BLOCK_SIZE !== 0 || ext.blobTableOffset < deviceTableEnd || blobTableEnd > metaBase))
        malformed(WHERE, `blob table [${ext.blobTableOffset}, ${blobTableEnd}) is not block aligned between the device table (ends ${deviceTableEnd}) and meta_blkaddr (${metaBase})`);
    const prefetchCount = ext.prefetchTableSize / RAFS_PREFETCH_ENTRY_SIZE;
    if (!Number.isInteger(prefetchCount))
        malformed(WHERE, `prefetch table size ${ext.prefetchTableSize} is not a multiple of ${RAFS_PREFETCH_ENTRY_SIZE}`);
    const prefetchEnd = ext.prefetchTableOffset + ext.prefetchTableSize;
    if (prefetchCount > 0 && (ext.prefetchTableOffset < Math.max(blobTableEnd, deviceTableEnd) || prefetchEnd > metaBase))
        malformed(WHERE, `prefetch table [${ext.prefetchTableOffset}, ${prefetchEnd}) is not between the blob table (ends ${blobTableEnd}) and meta_blkaddr (${metaBase})`);
    const chunkCount = ext.chunkTableSize / RAFS_CHUNK_RECORD_SIZE;
    if (!Number.isInteger(chunkCount) || !isU32(chunkCount))
        malformed(WHERE, `chunk table size ${ext.chunkTableSize} is not a multiple of ${RAFS_CHUNK_RECORD_SIZE}`);
    const chunkTableEnd = ext.chunkTableOffset + ext.chunkTableSize;
    if (chunkCount > 0 && (ext.chunkTableOffset % BLOCK_SIZE !== 0 || ext.chunkTableOffset <= metaBase || chunkTableEnd > bytes.length))
        malformed(WHERE, `chunk table [${ext.chunkTableOffset}, ${chunkTableEnd}) is not block aligned between meta_blkaddr (${metaBase}) and the end of the image (${bytes.length})`);
    if (strict && (ext.chunkTableOffset % BLOCK_SIZE !== 0 || ext.chunkTableOffset <= metaBase || bytes.length !== alignUp(chunkTableEnd, BLOCK_SIZE)))
        malformed(WHERE, `chunk table [${ext.chunkTableOffset}, ${chunkTableEnd}) is not the block-aligned end of the image (${bytes.length} bytes)`);
    const metaEnd = chunkCount > 0 || strict ? ext.chunkTableOffset : bytes.length;
    const chunkAt = (i) => ext.chunkTableOffset + i * RAFS_CHUNK_RECORD_SIZE;
    return {
        erofsOptions: { metaEnd, requireChecksum: false, inodesMayCrossBlocks: !strict, indexChunkBits: Math.log2(ext.chunkSize) },
        finish(image) {
            const nydusCounts = [];
            const blobs = readBlobs(bytes, ext.blobTableOffset, blobCount, image, { chunkSize: ext.chunkSize, ...settings }, nydusCounts, strict);
            if (strict)
                checkDarnerDevices(bytes, sb, image, blobs);
            const ciSeen = strict ? nydusCounts.map((n) => new Uint8Array(n)) : [];
            // Chunk records of each blob, counted first: darner's blob record counts the table's records.
            const perBlob = new Array(blobCount).fill(0);
            const ci = new Uint32Array(chunkCount);
            for (let i = 0; i < chunkCount; i++) {
                const where = `chunk table entry ${i}`;
                const c = decodeRafsChunkRecord(bytes, chunkAt(i), false);
                const problem = validateRafsChunkFlags(c, settings.compressor);
                if (problem !== undefined)
                    malformed(where, problem);
                if (c.blobIndex >= blobCount)
                    malformed(where, `blob index ${c.blobIndex} but the image has ${blobCount} blobs`);
                const entry = blobs[c.blobIndex].chunkInfoOffset === undefined ? undefined : chunkInfoProblem(c);
                if (entry !== undefined)
                    malformed(where, `no chunk-info entry of its blob can describe it: ${entry}`);
                if (c.ciIndex >= nydusCounts[c.blobIndex])
                    malformed(where, `chunk-info index ${c.ciIndex} but blob ${c.blobIndex} has ${nydusCounts[c.blobIndex]} chunks`);
                perBlob[c.blobIndex] += 1;
                ci[i] = c.ciIndex;
                if (strict) {
                    if (ciSeen[c.blobIndex][c.ciIndex] === 1)
                        malformed(where, `chunk-info index ${c.ciIndex} of blob ${c.blobIndex} is used twice`);
                    ciSeen[c.blobIndex][c.ciIndex] = 1;
                }
            }
            if (strict)
                perBlob.forEach((n, b) => {
                    if (n !== nydusCounts[b])
                        malformed(`blob table entry ${b}`, `chunk count ${nydusCounts[b]} but the chunk table has ${n}`);
                });
            const counted = blobs.map((b, i) => Object.freeze({ ...b, chunkCount: perBlob[i] }));
            const prefetchNids = [];
            for (let i = 0; i < prefetchCount; i++)
                prefetchNids.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(ext.prefetchTableOffset + i * RAFS_PREFETCH_ENTRY_SIZE, true));
            return {
                format: 'rafs-v6',
                formatVersion: mark?.version,
                header: undefined,
                chunkSize: ext.chunkSize,
                digestAlgorithm: settings.digestAlgorithm,
                compressor: settings.compressor,
                blobs: Object.freeze(counted),
                chunkCount,
                span: (i) => toSpan(decodeRafsChunkRecord(bytes, chunkAt(i), false)),
                record: (i) => {
                    const c = decodeRafsChunkRecord(bytes, chunkAt(i));
                    return { ...toSpan(c), digest: c.digest };
                },
                indexRef(e) {
                    if (!isU16(e.advise) || !isU16(e.deviceId) || !isU32(e.blkaddr))
                        return 'field out of range';
                    const ref = decodeRafsChunkIndexRef(e.advise, e.deviceId);
                    if (e.blkaddr === NULL_ADDR)
                        return ref.deviceId === 0 ? { deviceId: 0 } : `hole with device ${ref.deviceId} (must be 0)`;
                    return ref;
                },
                ciIndex: (chunk) => ci[chunk],
                prefetchNids,
                prefetchDirectories: !strict,
            };
        },
    };
}
/** darner's device slots: tag = blob id, flat-image addresses after the bootstrap, blocks = their sum. */
function checkDarnerDevices(bytes, sb, image, blobs) {
    let uniaddr = bytes.length / BLOCK_SIZE;
    blobs.forEach((blob, i) => {
        const where = `blob table entry ${i}`;
        const slot = image.devices[i];
        if (slot.tag !== blob.id)
            malformed(where, `device slot ${i} has tag ${JSON.stringify(slot.tag)}, not the blob id`);
        if (slot.uniaddr !== uniaddr)
            malformed(where, `device slot ${i} has mapped_blkaddr ${slot.uniaddr} (expected ${uniaddr})`);
        uniaddr += slot.blocks;
        if (uniaddr > NULL_ADDR)
            malformed(where, `blobs span more than 2^32 blocks`);
    });
    const blobBlocksTotal = uniaddr - bytes.length / BLOCK_SIZE;
    if (sb.blocks !== blobBlocksTotal)
        malformed('superblock', `blocks ${sb.blocks} but the blobs span ${blobBlocksTotal}`);
}
function toSpan(c) {
    return {
        blobIndex: c.blobIndex,
        flags: (c.flags & RAFS_CHUNK_COMPRESSED) !== 0 ? CHUNK_FLAG_ZSTD : 0,
        compressedSize: c.compressedSize,
        compressedOffset: c.compressedOffset,
        uncompressedOffset: c.uncompressedOffset,
        uncompressedSize: c.uncompressedSize,
    };
}
/** The blob table; `nydusCounts` receives each blob's own chunk count (chunk-info entries). */
function readBlobs(bytes, offset, count, image, settings, nydusCounts, strict) {
    const blobs = [];
    const ids = new Map();
    for (let i = 0; i < count; i++) {
        const where = `blob table entry ${i}`;
        const b = decodeRafsBlobRecord(bytes, offset + i * RAFS_BLOB_RECORD_SIZE);
        const problem = validateRafsBlobRecord(b, i, settings);
        if (problem !== undefined)
            malformed(where, problem);
        const twin = ids.get(b.id);
        if (twin !== undefined)
            malformed(where, `same id as blob ${twin}`);
        ids.set(b.id, i);
        const blob = { id: b.id, compressedSize: b.compressedSize, uncompressedSize: b.uncompressedSize, chunkCount: 0 };
        if (strict) {
            // darner's blobs: chunks only, or chunks then their chunk-info array and header filling
            // the blob exactly. A Nydus blob's trailer (ToC, inline bootstrap) is not darner's to check.
            const meta = darnerBlobMetaOffset(b);
            if ('problem' in meta)
                malformed(where, meta.problem);
            if (meta.chunkInfoOffset !== undefined)
                blob.chunkInfoOffset = meta.chunkInfoOffset;
        }
        // The kernel reads blob i as device i + 1 of this size; Linux and Nydus ignore the tag and
        // mapped_blkaddr when the devices are given, so only the size must agree.
        const slot = image.devices[i];
        if (slot.blocks !== blobBlocks(blob))
            malformed(where, `device slot ${i} has ${slot.blocks} blocks but the blob spans ${blobBlocks(blob)}`);
        nydusCounts.push(b.chunkCount);
        blobs.push(blob);
    }
    return blobs;
}
//# sourceMappingURL=rafs-tables.js.map