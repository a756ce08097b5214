/**
 * EROFS extended attributes kept in the inode ("ibody"): a 12-byte header, shared xattr ids, then
 * inline entries, each 4-byte aligned. Full names are split into a name index (a known prefix)
 * and a suffix; darner writes inline entries only, sorted by full name.
 */
import { MalformedBootstrapError } from '../errors.js';
import { MAX_XATTR_ICOUNT, MAX_XATTR_NAME_SUFFIX, MAX_XATTR_VALUE_SIZE, XATTR_ENTRY_HEADER_SIZE, XATTR_IBODY_HEADER_SIZE, XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_INDEX_POSIX_ACL_DEFAULT, XATTR_INDEX_SECURITY, XATTR_INDEX_TRUSTED, XATTR_INDEX_USER, } from './constants.js';
import { alignUp, decodeUtf8, encodeUtf8, requireBytes, viewOf } from './bytes.js';
/** Name prefixes by index. Index 2 and 3 are complete names (their suffix is empty). */
const PREFIXES = [
    [XATTR_INDEX_POSIX_ACL_ACCESS, 'system.posix_acl_access'],
    [XATTR_INDEX_POSIX_ACL_DEFAULT, 'system.posix_acl_default'],
    [XATTR_INDEX_USER, 'user.'],
    [XATTR_INDEX_TRUSTED, 'trusted.'],
    [XATTR_INDEX_SECURITY, 'security.'],
];
const PREFIX_BY_INDEX = new Map(PREFIXES);
function isAclIndex(index) {
    return index === XATTR_INDEX_POSIX_ACL_ACCESS || index === XATTR_INDEX_POSIX_ACL_DEFAULT;
}
/** Bytes of the ibody for an i_xattr_icount: 0, or 12 + 4 × (icount − 1). */
export function xattrIbodySize(icount) {
    return icount === 0 ? 0 : XATTR_IBODY_HEADER_SIZE + 4 * (icount - 1);
}
/** Bytes one entry takes, padding included. */
export function xattrEntrySize(suffixLength, valueLength) {
    return alignUp(XATTR_ENTRY_HEADER_SIZE + suffixLength + valueLength, 4);
}
/**
 * Splits a full xattr name into (index, suffix), or returns undefined for a name EROFS cannot
 * store without the long-prefix feature (any namespace but user., trusted., security. and the
 * two POSIX ACL names).
 */
export function splitXattrName(name) {
    for (const [index, prefix] of PREFIXES) {
        if (isAclIndex(index)) {
            if (name === prefix)
                return { index, suffix: '' };
        }
        else if (name.startsWith(prefix)) {
            return { index, suffix: name.slice(prefix.length) };
        }
    }
    return undefined;
}
/** The full name of an entry, or undefined if its index is unknown or its suffix not UTF-8. */
export function entryName(entry) {
    const prefix = PREFIX_BY_INDEX.get(entry.nameIndex);
    if (prefix === undefined)
        return undefined;
    const suffix = decodeUtf8(entry.nameSuffix);
    return suffix === undefined ? undefined : prefix + suffix;
}
/** Builds the stored entry for a full name, or undefined if the name has no known prefix. */
export function makeXattrEntry(name, value) {
    const split = splitXattrName(name);
    if (split === undefined)
        return undefined;
    return { nameIndex: split.index, nameSuffix: encodeUtf8(split.suffix), value };
}
/** The first rule an entry breaks, or undefined. */
export function validateXattrEntry(entry) {
    if (!PREFIX_BY_INDEX.has(entry.nameIndex))
        return `unknown xattr name index ${entry.nameIndex}`;
    if (entry.nameSuffix.length > MAX_XATTR_NAME_SUFFIX)
        return `xattr name suffix is ${entry.nameSuffix.length} bytes (at most ${MAX_XATTR_NAME_SUFFIX})`;
    if (entry.value.length > MAX_XATTR_VALUE_SIZE)
        return `xattr value is ${entry.value.length} bytes (at most ${MAX_XATTR_VALUE_SIZE})`;
    if (isAclIndex(entry.nameIndex)) {
        if (entry.nameSuffix.length !== 0)
            return `POSIX ACL xattr with a name suffix`;
    }
    else if (entry.nameSuffix.length === 0) {
        return `xattr ${PREFIX_BY_INDEX.get(entry.nameIndex)} has an empty name`;
    }
    if (entry.nameSuffix.includes(0))
        return `xattr name contains NUL`;
    if (decodeUtf8(entry.nameSuffix) === undefined)
        return `xattr name is not valid UTF-8`;
    return undefined;
}
/** Writes one entry at `offset` (padding zeroed); returns the bytes written. */
export function encodeXattrEntry(entry, target, offset) {
    const size = xattrEntrySize(entry.nameSuffix.length, entry.value.length);
    requireBytes(target, offset, size, 'xattr entry');
    target.fill(0, offset, offset + size);
    const v = viewOf(target);
    v.setUint8(offset, entry.nameSuffix.length);
    v.setUint8(offset + 1, entry.nameIndex);
    v.setUint16(offset + 2, entry.value.length, true);
    target.set(entry.nameSuffix, offset + XATTR_ENTRY_HEADER_SIZE);
    target.set(entry.value, offset + XATTR_ENTRY_HEADER_SIZE + entry.nameSuffix.length);
    return size;
}
/**
 * Decodes the entry at `offset`, which must end by `limit`. Name and value are copies. Returns the
 * entry and its padded size.
 */
export function decodeXattrEntry(bytes, offset, limit) {
    if (offset + XATTR_ENTRY_HEADER_SIZE > limit)
        throw new MalformedBootstrapError(`xattr entry header at byte ${offset} overruns the xattr area`);
    requireBytes(bytes, offset, XATTR_ENTRY_HEADER_SIZE, 'xattr entry');
    const v = viewOf(bytes);
    const nameLength = v.getUint8(offset);
    const nameIndex = v.getUint8(offset + 1);
    const valueLength = v.getUint16(offset + 2, true);
    const size = xattrEntrySize(nameLength, valueLength);
    if (offset + size > limit)
        throw new MalformedBootstrapError(`xattr entry at byte ${offset} (${size} bytes) overruns the xattr area`);
    requireBytes(bytes, offset, size, 'xattr entry');
    const nameStart = offset + XATTR_ENTRY_HEADER_SIZE;
    const entry = {
        nameIndex,
        nameSuffix: bytes.slice(nameStart, nameStart + nameLength),
        value: bytes.slice(nameStart + nameLength, nameStart + nameLength + valueLength),
    };
    return { entry, size };
}
/**
 * Encodes an ibody holding `entries` inline (no shared ids). Returns the bytes and the icount.
 * With no entries the ibody is empty and icount 0 (never 1: Linux refuses a bare header).
 */
export function encodeXattrIbody(entries) {
    if (entries.length === 0)
        return { bytes: new Uint8Array(0), icount: 0 };
    let size = XATTR_IBODY_HEADER_SIZE;
    for (const e of entries)
        size += xattrEntrySize(e.nameSuffix.length, e.value.length);
    const icount = 1 + (size - XATTR_IBODY_HEADER_SIZE) / 4;
    if (icount > MAX_XATTR_ICOUNT)
        throw new RangeError(`xattrs need ${size} bytes, more than an inode can hold`);
    const bytes = new Uint8Array(size);
    let off = XATTR_IBODY_HEADER_SIZE;
    for (const e of entries)
        off += encodeXattrEntry(e, bytes, off);
    return { bytes, icount };
}
/**
 * Decodes the ibody at `offset` for `icount`. Entries must exactly fill the space after the
 * shared ids: a stray byte would be read by the kernel as another entry.
 */
export function decodeXattrIbody(bytes, offset, icount) {
    if (icount === 0)
        return { sharedIds: [], entries: [] };
    if (icount === 1)
        throw new MalformedBootstrapError(`xattr icount 1 (a header without entries) is invalid`);
    const size = xattrIbodySize(icount);
    requireBytes(bytes, offset, size, 'xattr ibody');
    const v = viewOf(bytes);
    const sharedCount = v.getUint8(offset + 4);
    const end = offset + size;
    let pos = offset + XATTR_IBODY_HEADER_SIZE;
    if (pos + 4 * sharedCount > end)
        throw new MalformedBootstrapError(`xattr ibody lists ${sharedCount} shared ids but has room for ${(end - pos) / 4}`);
    const sharedIds = [];
    for (let i = 0; i < sharedCount; i++, pos += 4)
        sharedIds.push(v.getUint32(pos, true));
    const entries = [];
    while (pos < end) {
        const { entry, size: n } = decodeXattrEntry(bytes, pos, end);
        entries.push(entry);
        pos += n;
    }
    return { sharedIds, entries };
}
//# sourceMappingURL=xattr.js.map