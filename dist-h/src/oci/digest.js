/**
 * Content digests as the OCI image spec writes them. darner only speaks sha256: every digest it
 * reads from a manifest, reference or layout must be `sha256:` followed by 64 lowercase hex
 * digits, which is also what every registry in use produces. Computing digests is src/digest.ts's job.
 */
export const DIGEST_ALGORITHM = 'sha256';
const SHA256_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** True when `value` is a well-formed `sha256:<64 lowercase hex>` digest. */
export function isDigest(value) {
    return typeof value === 'string' && SHA256_DIGEST_RE.test(value);
}
/** The hex part of a digest (`sha256:abc…` → `abc…`). The caller has checked it with isDigest. */
export function digestHex(digest) {
    return digest.slice(DIGEST_ALGORITHM.length + 1);
}
//# sourceMappingURL=digest.js.map