import { BLOB_RECORD_SIZE, BLOCK_SIZE, CHUNK_RECORD_SIZE, DEVICE_TABLE_SLOTOFF, FEATURE_INCOMPAT_DEVICE_TABLE, NULL_ADDR, } from './constants.js';
import { alignUp, hex } from './bytes.js';
import { blobBlocks, decodeBlobRecord, validateBlobRecord } from './blob-table.js';
import { validateChunkIndexEntry } from './chunk-index.js';
import { decodeChunkRecord, decodeChunkSpan } from './chunk-table.js';
import { crc32c } from './crc32c.js';
import { malformed, readSuperblock } from './erofs-image.js';
import { compressorOf, decodeExtensionHeader, digestAlgorithmOf, regionLayout, validateExtensionHeader } from './extension-header.js';
import { decodePrefetchTable, validatePrefetchEntry } from './prefetch-table.js';
export function openDarnerTables(bytes, sb) {
    // darner images always carry the superblock checksum; it covers this header.
    readSuperblock(bytes, true);
    const header = decodeExtensionHeader(bytes);
    const problem = validateExtensionHeader(header);
    if (problem !== undefined)
        malformed('darner header', problem);
    // Region bounds: after block 0, inside the image, which ends at the next block boundary.
    const regionEnd = header.regionOffset + header.regionLength;
    if (header.regionOffset < BLOCK_SIZE || regionEnd > bytes.length)
        malformed('darner header', `region [${header.regionOffset}, ${regionEnd}) is outside the image (${bytes.length} bytes)`);
    if (bytes.length !== alignUp(regionEnd, BLOCK_SIZE))
        malformed('image', `${bytes.length} bytes, but the region ends at ${regionEnd} (expected ${alignUp(regionEnd, BLOCK_SIZE)} bytes)`);
    if (sb.blocks * BLOCK_SIZE !== bytes.length)
        malformed('superblock', `blocks ${sb.blocks} does not match the image size (${bytes.length / BLOCK_SIZE} blocks)`);
    const checksum = crc32c(bytes.subarray(header.regionOffset, regionEnd));
    if (checksum !== header.regionChecksum)
        malformed('darner region', `checksum ${hex(header.regionChecksum)} does not match the computed ${hex(checksum)}`);
    if (sb.devtSlotoff !== DEVICE_TABLE_SLOTOFF)
        malformed('superblock', `device table slot offset ${sb.devtSlotoff} (darner puts it at ${DEVICE_TABLE_SLOTOFF})`);
    if (sb.extraDevices !== header.blobCount)
        malformed('superblock', `${sb.extraDevices} extra devices but the darner header lists ${header.blobCount} blobs`);
    if (header.blobCount > 0 && (sb.featureIncompat & FEATURE_INCOMPAT_DEVICE_TABLE) === 0)
        malformed('superblock', `DEVICE_TABLE feature is not set but the image has ${header.blobCount} blobs`);
    const at = regionLayout(header);
    return {
        erofsOptions: { metaEnd: header.regionOffset, requireChecksum: true },
        finish(image) {
            const blobs = readBlobs(bytes, at.blobTable, header.blobCount, sb.blocks, image);
            const prefetchNids = decodePrefetchTable(bytes, at.prefetchTable, header.prefetchCount);
            prefetchNids.forEach((nid, i) => {
                const p = validatePrefetchEntry(nid);
                if (p !== undefined)
                    malformed(`prefetch entry ${i}`, p);
            });
            return {
                format: 'darner',
                formatVersion: header.version,
                header,
                chunkSize: header.chunkSize,
                digestAlgorithm: digestAlgorithmOf(header.digestCode),
                compressor: compressorOf(header.compressorCode),
                blobs,
                chunkCount: header.chunkCount,
                span: (i) => decodeChunkSpan(bytes, at.chunkTable + i * CHUNK_RECORD_SIZE),
                record: (i) => decodeChunkRecord(bytes, at.chunkTable + i * CHUNK_RECORD_SIZE),
                indexRef(e) {
                    return validateChunkIndexEntry(e) ?? { deviceId: e.deviceId };
                },
                prefetchNids,
                prefetchDirectories: false,
            };
        },
    };
}
function readBlobs(bytes, offset, count, bootstrapBlocks, image) {
    const blobs = [];
    const ids = new Map();
    let uniaddr = bootstrapBlocks;
    for (let i = 0; i < count; i++) {
        const where = `blob table entry ${i}`;
        const blob = decodeBlobRecord(bytes, offset + i * BLOB_RECORD_SIZE);
        const problem = validateBlobRecord(blob);
        if (problem !== undefined)
            malformed(where, problem);
        const twin = ids.get(blob.id);
        if (twin !== undefined)
            malformed(where, `same id as blob ${twin}`);
        ids.set(blob.id, i);
        const slot = image.devices[i];
        if (slot.tag !== blob.id)
            malformed(where, `device slot ${i} has tag ${JSON.stringify(slot.tag)}, not the blob id`);
        if (slot.blocks !== blobBlocks(blob))
            malformed(where, `device slot ${i} has ${slot.blocks} blocks but the blob spans ${blobBlocks(blob)}`);
        if (slot.uniaddr !== uniaddr)
            malformed(where, `device slot ${i} has uniaddr ${slot.uniaddr} (expected ${uniaddr})`);
        uniaddr += slot.blocks;
        if (uniaddr > NULL_ADDR)
            malformed(where, `blobs span more than 2^32 blocks`);
        blobs.push(Object.freeze(blob));
    }
    return Object.freeze(blobs);
}
//# sourceMappingURL=extension-tables.js.map