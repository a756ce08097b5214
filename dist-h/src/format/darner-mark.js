/**
 * The darner mark: 64 bytes inside the reserved tail of the RAFS extended superblock (byte 0x4B8)
 * of a bootstrap darner wrote. Linux never reads the extended superblock and Nydus does not check
 * its reserved bytes, so the mark costs neither of them anything. It says which darner format
 * version wrote the file and carries a CRC32C of the whole bootstrap: RAFS v6 forbids the EROFS
 * superblock checksum (Nydus refuses one), and this checksum covers more than that one did.
 *
 *   0x00  8  magic "DARNERBT"
 *   0x08  2  format version (2)
 *   0x0A  2  mark size (64)
 *   0x0C  4  flags, 0 (a reader rejects unknown flags)
 *   0x10  4  CRC32C (EROFS variant: seed 0xFFFFFFFF, no final inversion) of the whole file with
 *            these four bytes read as zero
 *   0x14 44  reserved, 0
 */
import { DARNER_FORMAT_VERSION, DARNER_MAGIC } from './constants.js';
import { crc32c } from './crc32c.js';
import { hex, requireBytes, viewOf } from './bytes.js';
import { RAFS_EXT_SUPERBLOCK_OFFSET } from './rafs-v6.js';
export const DARNER_MARK_OFFSET = RAFS_EXT_SUPERBLOCK_OFFSET + 0x38;
export const DARNER_MARK_SIZE = 64;
const CHECKSUM_AT = DARNER_MARK_OFFSET + 0x10;
/** The mark of `bytes`, or undefined when the magic is absent (a bootstrap Nydus wrote). */
export function decodeDarnerMark(bytes) {
    requireBytes(bytes, DARNER_MARK_OFFSET, DARNER_MARK_SIZE, 'darner mark');
    const magic = Buffer.from(bytes.subarray(DARNER_MARK_OFFSET, DARNER_MARK_OFFSET + 8)).toString('latin1');
    if (magic !== DARNER_MAGIC)
        return undefined;
    const v = viewOf(bytes);
    return {
        version: v.getUint16(DARNER_MARK_OFFSET + 0x08, true),
        size: v.getUint16(DARNER_MARK_OFFSET + 0x0a, true),
        flags: v.getUint32(DARNER_MARK_OFFSET + 0x0c, true),
        checksum: v.getUint32(CHECKSUM_AT, true),
    };
}
/** The first rule a mark breaks on its own (its checksum is checked by `checkDarnerMark`). */
export function validateDarnerMark(m, bytes) {
    if (m.version !== DARNER_FORMAT_VERSION)
        return `format version ${m.version} not supported (this build reads ${DARNER_FORMAT_VERSION} and darner's own layout 1)`;
    if (m.size !== DARNER_MARK_SIZE)
        return `size ${m.size} (expected ${DARNER_MARK_SIZE})`;
    if (m.flags !== 0)
        return `unknown flags ${hex(m.flags)}`;
    for (let i = DARNER_MARK_OFFSET + 0x14; i < DARNER_MARK_OFFSET + DARNER_MARK_SIZE; i++)
        if (bytes[i] !== 0)
            return `reserved byte ${i - DARNER_MARK_OFFSET} is not zero`;
    const actual = bootstrapChecksum(bytes);
    if (actual !== m.checksum)
        return `checksum ${hex(m.checksum)} does not match the computed ${hex(actual)}`;
    return undefined;
}
/** CRC32C of the whole file, the mark's checksum field read as zero. */
export function bootstrapChecksum(bytes) {
    let crc = crc32c(bytes.subarray(0, CHECKSUM_AT));
    crc = crc32c(ZERO4, crc);
    return crc32c(bytes.subarray(CHECKSUM_AT + 4), crc);
}
const ZERO4 = new Uint8Array(4);
/** Writes the mark, its checksum computed over everything else: call it last. */
export function sealDarnerMark(bytes) {
    requireBytes(bytes, DARNER_MARK_OFFSET, DARNER_MARK_SIZE, 'darner mark');
    bytes.fill(0, DARNER_MARK_OFFSET, DARNER_MARK_OFFSET + DARNER_MARK_SIZE);
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(DARNER_MAGIC, DARNER_MARK_OFFSET, 8, 'latin1');
    const v = viewOf(bytes);
    v.setUint16(DARNER_MARK_OFFSET + 0x08, DARNER_FORMAT_VERSION, true);
    v.setUint16(DARNER_MARK_OFFSET + 0x0a, DARNER_MARK_SIZE, true);
    v.setUint32(CHECKSUM_AT, bootstrapChecksum(bytes), true);
}
//# sourceMappingURL=darner-mark.js.map