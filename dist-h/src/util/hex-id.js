/** Blob ids: the sha256 of a blob as 64 lowercase hex digits, without the `sha256:` prefix. */
export const BLOB_ID = /^[0-9a-f]{64}$/;
/** Whether `value` is a string of 64 lowercase hex digits (a blob id, or a sha256 in hex). */
export function isBlobId(value) {
    return typeof value === 'string' && BLOB_ID.test(value);
}
//# sourceMappingURL=hex-id.js.map