/**
 * Drives a Bootstrap the way its users do: parse, then every read operation on every inode the
 * tree reaches, then the full decode. Hostile-input tests expect this to either succeed or throw
 * MalformedBootstrapError.
 */
import { Bootstrap, HOLE } from '../../../src/format/index.js';
import { crc32c } from '../../../src/format/crc32c.js';
import { decodeExtensionHeader, expectedRegionLength } from '../../../src/format/extension-header.js';
import { sealSuperblock } from '../../../src/format/superblock.js';
import { viewOf } from '../../../src/format/bytes.js';
import { bootstrapChecksum, decodeDarnerMark, DARNER_MARK_OFFSET } from '../../../src/format/darner-mark.js';
export function exercise(bytes) {
    const bs = Bootstrap.parse(bytes);
    for (const { nid } of bs.walk()) {
        const info = bs.inode(nid);
        bs.xattrs(nid);
        if (info.kind === 'dir') {
            for (const e of bs.readdir(nid))
                bs.lookup(nid, e.name);
        }
        else if (info.kind === 'symlink') {
            bs.readlink(nid);
        }
        else if (info.kind === 'file') {
            for (const slot of bs.fileChunks(nid))
                if (slot !== HOLE)
                    bs.chunk(slot);
        }
    }
    for (const nid of bs.prefetchNids)
        bs.fileChunks(nid);
    bs.toMetadata();
    return bs;
}
/**
 * Recomputes the checksums, so that a mutation reaches the checks behind them: a RAFS v6
 * bootstrap's darner mark (when it still has one), or darner's own layout's region checksum (when
 * the header still locates a region inside the image) and superblock checksum.
 */
export function reseal(bytes) {
    if (bytes.length < 4096)
        return;
    if (decodeDarnerMark(bytes) !== undefined && (viewOf(bytes).getUint32(0x408, true) & 0x40000000) !== 0) {
        viewOf(bytes).setUint32(DARNER_MARK_OFFSET + 0x10, bootstrapChecksum(bytes), true);
        return;
    }
    const h = decodeExtensionHeader(bytes);
    const length = expectedRegionLength(h);
    if (Number.isSafeInteger(h.regionOffset) && h.regionLength === length && h.regionOffset + length <= bytes.length) {
        viewOf(bytes).setUint32(0x480 + 0x24, crc32c(bytes.subarray(h.regionOffset, h.regionOffset + length)), true);
    }
    sealSuperblock(bytes);
}
//# sourceMappingURL=exercise.js.map