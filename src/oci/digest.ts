import { createHash, type Hash } from 'node:crypto';

/**
 * Content digests as the OCI image spec writes them. darner only speaks sha256: every digest it
 * reads from a manifest, reference or layout must be `sha256:` followed by 64 lowercase hex
 * digits, which is also what every registry in use produces.
 */

export const DIGEST_ALGORITHM = 'sha256';

const SHA256_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** True when `value` is a well-formed `sha256:<64 lowercase hex>` digest. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && SHA256_DIGEST_RE.test(value);
}

/** The hex part of a digest (`sha256:abc…` → `abc…`). The caller has checked it with isDigest. */
export function digestHex(digest: string): string {
  return digest.slice(DIGEST_ALGORITHM.length + 1);
}

/** The digest of some bytes, in `sha256:<hex>` form. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** An incremental sha256 whose result comes back in `sha256:<hex>` form. */
export class DigestHasher {
  private readonly hash: Hash = createHash('sha256');
  /** Bytes fed so far. */
  size = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  /** Finishes the hash; call once. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
