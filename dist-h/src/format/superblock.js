/**
 * The EROFS superblock: 128 bytes at byte 1024 of the image. Its checksum covers bytes
 * 1024..4095 of block 0 (with the checksum field read as zero), so it also protects the darner
 * header and the first device slots that live in that block; compute it last.
 */
import { BLOCK_SIZE, BLOCK_SIZE_BITS, EROFS_MAGIC, KNOWN_INCOMPAT, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, } from './constants.js';
import { crc32c } from './crc32c.js';
import { hex, isU64, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
export function decodeSuperblock(bytes, offset = SUPERBLOCK_OFFSET) {
    requireBytes(bytes, offset, SUPERBLOCK_SIZE, 'superblock');
    const v = viewOf(bytes);
    return {
        magic: v.getUint32(offset + 0x00, true),
        checksum: v.getUint32(offset + 0x04, true),
        featureCompat: v.getUint32(offset + 0x08, true),
        blkszbits: v.getUint8(offset + 0x0c),
        sbExtslots: v.getUint8(offset + 0x0d),
        rootNid: v.getUint16(offset + 0x0e, true),
        inos: readU64(v, offset + 0x10),
        buildTime: readU64(v, offset + 0x18),
        buildTimeNsec: v.getUint32(offset + 0x20, true),
        blocks: v.getUint32(offset + 0x24, true),
        metaBlkaddr: v.getUint32(offset + 0x28, true),
        xattrBlkaddr: v.getUint32(offset + 0x2c, true),
        uuid: bytes.slice(offset + 0x30, offset + 0x40),
        volumeName: bytes.slice(offset + 0x40, offset + 0x50),
        featureIncompat: v.getUint32(offset + 0x50, true),
        comprAlgs: v.getUint16(offset + 0x54, true),
        extraDevices: v.getUint16(offset + 0x56, true),
        devtSlotoff: v.getUint16(offset + 0x58, true),
        dirblkbits: v.getUint8(offset + 0x5a),
    };
}
/** Writes the 128-byte superblock (reserved tail zeroed). The caller seals the checksum last. */
export function encodeSuperblock(sb, target, offset = SUPERBLOCK_OFFSET) {
    requireBytes(target, offset, SUPERBLOCK_SIZE, 'superblock');
    target.fill(0, offset, offset + SUPERBLOCK_SIZE);
    const v = viewOf(target);
    v.setUint32(offset + 0x00, sb.magic, true);
    v.setUint32(offset + 0x04, sb.checksum, true);
    v.setUint32(offset + 0x08, sb.featureCompat, true);
    v.setUint8(offset + 0x0c, sb.blkszbits);
    v.setUint8(offset + 0x0d, sb.sbExtslots);
    v.setUint16(offset + 0x0e, sb.rootNid, true);
    writeU64(v, offset + 0x10, sb.inos);
    writeU64(v, offset + 0x18, sb.buildTime);
    v.setUint32(offset + 0x20, sb.buildTimeNsec, true);
    v.setUint32(offset + 0x24, sb.blocks, true);
    v.setUint32(offset + 0x28, sb.metaBlkaddr, true);
    v.setUint32(offset + 0x2c, sb.xattrBlkaddr, true);
    target.set(sb.uuid.subarray(0, 16), offset + 0x30);
    target.set(sb.volumeName.subarray(0, 16), offset + 0x40);
    v.setUint32(offset + 0x50, sb.featureIncompat, true);
    v.setUint16(offset + 0x54, sb.comprAlgs, true);
    v.setUint16(offset + 0x56, sb.extraDevices, true);
    v.setUint16(offset + 0x58, sb.devtSlotoff, true);
    v.setUint8(offset + 0x5a, sb.dirblkbits);
}
/**
 * The first rule a decoded superblock breaks, or undefined. Checks what can be judged from the
 * record alone; the reader adds the checks that need the image (checksum, root nid, sizes).
 */
export function validateSuperblock(sb) {
    if (sb.magic !== EROFS_MAGIC)
        return `bad magic ${hex(sb.magic)} (expected ${hex(EROFS_MAGIC)})`;
    if (sb.blkszbits !== BLOCK_SIZE_BITS)
        return `block size bits ${sb.blkszbits} not supported (only ${BLOCK_SIZE_BITS}: 4 KiB blocks)`;
    if (sb.sbExtslots !== 0)
        return `superblock extension slots ${sb.sbExtslots} not supported (expected 0)`;
    if (sb.dirblkbits !== 0)
        return `directory block bits ${sb.dirblkbits} not supported (expected 0)`;
    const unknown = (sb.featureIncompat & ~KNOWN_INCOMPAT) >>> 0;
    if (unknown !== 0)
        return `unknown incompatible feature bits ${hex(unknown)}`;
    if (!isU64(sb.inos))
        return `inode count does not fit in 53 bits`;
    if (!isU64(sb.buildTime))
        return `build time does not fit in 53 bits`;
    if (sb.buildTimeNsec >= 1_000_000_000)
        return `build time nanoseconds ${sb.buildTimeNsec} ≥ 10^9`;
    return undefined;
}
/**
 * The checksum EROFS stores: CRC32C (seed 0xFFFFFFFF, no final inversion) over bytes
 * 1024..BLOCK_SIZE−1 of the image with the checksum field (bytes 1028..1031) taken as zero.
 */
export function superblockChecksum(image) {
    requireBytes(image, 0, BLOCK_SIZE, 'block 0');
    const start = SUPERBLOCK_OFFSET;
    let crc = crc32c(image.subarray(start, start + 4));
    crc = crc32c(ZERO4, crc);
    return crc32c(image.subarray(start + 8, BLOCK_SIZE), crc);
}
const ZERO4 = new Uint8Array(4);
/** Computes the superblock checksum and stores it in the image. */
export function sealSuperblock(image) {
    viewOf(image).setUint32(SUPERBLOCK_OFFSET + 4, superblockChecksum(image), true);
}
//# sourceMappingURL=superblock.js.map