/**
 * The darner bootstrap format: an EROFS image (metadata only) plus the darner extension.
 * Write with writeBootstrap, read with Bootstrap.parse; the record codecs are exported for tools
 * (`darner inspect`) and tests. See docs/format.md for the byte layout.
 */
export * from './model.js';
export * from './constants.js';
export { crc32c, CRC32C_SEED } from './crc32c.js';
export * from './superblock.js';
export * from './device-slot.js';
export * from './inode.js';
export * from './xattr.js';
export * from './dirent.js';
export * from './chunk-index.js';
export * from './extension-header.js';
export * from './blob-table.js';
export * from './chunk-table.js';
export * from './prefetch-table.js';
export * from './access-trace.js';
export { validateImageMetadata, findChunkOverlap } from './validate-metadata.js';
export { writeBootstrap } from './writer.js';
export * from './darner-mark.js';
export * from './rafs-v6.js';
export { ErofsImage, readSuperblock, } from './erofs-image.js';
export { Bootstrap } from './reader.js';
//# sourceMappingURL=index.js.map