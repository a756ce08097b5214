/**
 * The prefetch table of the darner extension region: the nids of regular files to fetch in the
 * background after a mount, in order, one u64 each.
 */
import { PREFETCH_ENTRY_SIZE } from './constants.js';
import { isU64, readU64, requireBytes, viewOf, writeU64 } from './bytes.js';
export function decodePrefetchEntry(bytes, offset) {
    requireBytes(bytes, offset, PREFETCH_ENTRY_SIZE, 'prefetch entry');
    return readU64(viewOf(bytes), offset);
}
export function encodePrefetchEntry(nid, target, offset) {
    requireBytes(target, offset, PREFETCH_ENTRY_SIZE, 'prefetch entry');
    writeU64(viewOf(target), offset, nid);
}
export function decodePrefetchTable(bytes, offset, count) {
    requireBytes(bytes, offset, count * PREFETCH_ENTRY_SIZE, 'prefetch table');
    const out = new Array(count);
    for (let i = 0; i < count; i++)
        out[i] = decodePrefetchEntry(bytes, offset + i * PREFETCH_ENTRY_SIZE);
    return out;
}
/** The first rule a prefetch entry breaks on its own, or undefined. */
export function validatePrefetchEntry(nid) {
    if (!isU64(nid))
        return `nid does not fit in 53 bits`;
    return undefined;
}
//# sourceMappingURL=prefetch-table.js.map