/**
 * The one contract for every source of blob bytes the daemon reads from — origin registry, local
 * OCI layout, docker-archive, peers: `length` bytes of blob `digest` from `offset`, exactly, or a
 * typed error (RegistryError, NotFoundError, SizeMismatchError...). Bytes are not verified here:
 * the caller verifies the chunks it cuts out of them.
 */
export interface BlobReader {
  readRange(digest: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
}
