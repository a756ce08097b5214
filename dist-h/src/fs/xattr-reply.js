import { Errno } from './errno.js';
/**
 * getxattr(2) and listxattr(2) answers (pure): a caller first asks with size 0 for the length it
 * needs, then with a buffer; a buffer too small is ERANGE (never a truncated value); a name the
 * inode does not have is ENODATA. Values are bytes, binary ones included.
 */
/** The kernel refuses xattr values and name lists larger than this (XATTR_SIZE_MAX, XATTR_LIST_MAX). */
export const XATTR_SIZE_MAX = 65536;
export const XATTR_LIST_MAX = 65536;
export function getxattrReply(value, bufferSize) {
    if (value === undefined)
        return { result: Errno.ENODATA };
    if (value.byteLength > XATTR_SIZE_MAX)
        return { result: Errno.E2BIG };
    if (bufferSize === 0)
        return { result: value.byteLength };
    if (bufferSize < value.byteLength)
        return { result: Errno.ERANGE };
    return { result: value.byteLength, bytes: value };
}
/** The names as listxattr returns them: each NUL-terminated, back to back. */
export function encodeXattrNames(names) {
    return Buffer.concat([...names].map((n) => Buffer.from(`${n}\0`, 'utf8')));
}
export function listxattrReply(names, bufferSize) {
    const list = encodeXattrNames(names);
    if (list.byteLength > XATTR_LIST_MAX)
        return { result: Errno.E2BIG };
    if (bufferSize === 0)
        return { result: list.byteLength };
    if (bufferSize < list.byteLength)
        return { result: Errno.ERANGE };
    return { result: list.byteLength, bytes: list };
}
//# sourceMappingURL=xattr-reply.js.map