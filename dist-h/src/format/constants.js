/**
 * Numbers of the bootstrap's on-disk format: the EROFS ones (see docs/format.md, checked against
 * mkfs.erofs 1.5 and the Linux 6.18 driver) and darner's own extension. Pure constants.
 */
// ---- EROFS: geometry ---------------------------------------------------------------------------
import { BLOCK_SIZE } from './model.js';
/** The block size (4096, defined with the image model) and its log2. darner uses no other. */
export { BLOCK_SIZE };
export const BLOCK_SIZE_BITS = 12;
/** Byte offset of the superblock; bytes before it are ignored by the kernel. */
export const SUPERBLOCK_OFFSET = 1024;
/** Size of the superblock without extension slots. */
export const SUPERBLOCK_SIZE = 128;
/** An inode number is its byte offset in the metadata area divided by this. */
export const INODE_SLOT_SIZE = 32;
/** The superblock's root_nid field is 16 bits wide. */
export const MAX_ROOT_NID = 0xffff;
/** Block address (and chunk address) meaning "no block": a hole, or "all data inline". */
export const NULL_ADDR = 0xffffffff;
// ---- EROFS: superblock -------------------------------------------------------------------------
export const EROFS_MAGIC = 0xe0f5e1e2;
/** feature_compat: the superblock checksum field is valid. */
export const FEATURE_COMPAT_SB_CHKSUM = 0x1;
/** feature_incompat: LZ4 0-padding. Harmless when nothing is compressed (mkfs may leave it set). */
export const FEATURE_INCOMPAT_LZ4_0PADDING = 0x1;
/** feature_incompat: chunk-based regular files. */
export const FEATURE_INCOMPAT_CHUNKED_FILE = 0x4;
/** feature_incompat: the device table is valid (without it extra_devices counts as 0). */
export const FEATURE_INCOMPAT_DEVICE_TABLE = 0x8;
/** The incompat bits a darner reader accepts. Any other bit is a format it does not know. */
export const KNOWN_INCOMPAT = FEATURE_INCOMPAT_LZ4_0PADDING | FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE;
// ---- EROFS: device table -----------------------------------------------------------------------
/** The device table starts at devt_slotoff × this many bytes. */
export const DEVICE_SLOT_SIZE = 128;
/** Length of a device slot's tag (the blob id, NUL-padded). */
export const DEVICE_TAG_SIZE = 64;
// ---- EROFS: inodes -----------------------------------------------------------------------------
export const COMPACT_INODE_SIZE = 32;
export const EXTENDED_INODE_SIZE = 64;
/** i_format bit 0: 0 = compact, 1 = extended. */
export const INODE_VERSION_EXTENDED = 0x1;
/** i_format bits 1..3: data layout. */
export const INODE_DATALAYOUT_SHIFT = 1;
export const INODE_DATALAYOUT_MASK = 0x7;
/** i_format bits above the data layout: darner writes none and rejects all (bit 4 changes meaning). */
export const INODE_FORMAT_KNOWN_MASK = 0xf;
/** Data layouts. 1 and 3 are compressed layouts, 5..7 undefined; darner uses none of them. */
export const DATALAYOUT_FLAT_PLAIN = 0;
export const DATALAYOUT_FLAT_INLINE = 2;
export const DATALAYOUT_CHUNK_BASED = 4;
/** st_mode type bits. */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
/** Permission bits including setuid, setgid and sticky. */
export const PERMISSION_MASK = 0o7777;
/** Longest symlink target Linux accepts (PATH_MAX − 1). */
export const MAX_SYMLINK_TARGET = 4095;
// ---- EROFS: chunk-based files ------------------------------------------------------------------
/** i_u.format bits 0..4: chunkbits − blkszbits. */
export const CHUNK_FORMAT_BLKBITS_MASK = 0x1f;
/** i_u.format: 8-byte chunk index entries (device id + block address) instead of a block map. */
export const CHUNK_FORMAT_INDEXES = 0x20;
/** Size of one chunk index entry. Entries are aligned to it. */
export const CHUNK_INDEX_ENTRY_SIZE = 8;
// ---- EROFS: directories ------------------------------------------------------------------------
export const DIRENT_SIZE = 12;
export const MAX_NAME_LENGTH = 255;
/** Directory entry file types (d_type). */
export const FT_UNKNOWN = 0;
export const FT_REG_FILE = 1;
export const FT_DIR = 2;
export const FT_CHRDEV = 3;
export const FT_BLKDEV = 4;
export const FT_FIFO = 5;
export const FT_SOCK = 6;
export const FT_SYMLINK = 7;
// ---- EROFS: xattrs -----------------------------------------------------------------------------
/** Size of the xattr ibody header (reserved u32, shared count u8, 7 reserved bytes). */
export const XATTR_IBODY_HEADER_SIZE = 12;
/** Size of an xattr entry header (name_len u8, name_index u8, value_size u16). */
export const XATTR_ENTRY_HEADER_SIZE = 4;
/** The largest icount (u16) bounds the ibody: 12 + 4 × 65534 bytes. */
export const MAX_XATTR_ICOUNT = 0xffff;
export const MAX_XATTR_NAME_SUFFIX = 255;
export const MAX_XATTR_VALUE_SIZE = 0xffff;
export const XATTR_INDEX_USER = 1;
export const XATTR_INDEX_POSIX_ACL_ACCESS = 2;
export const XATTR_INDEX_POSIX_ACL_DEFAULT = 3;
export const XATTR_INDEX_TRUSTED = 4;
export const XATTR_INDEX_SECURITY = 6;
// ---- darner extension --------------------------------------------------------------------------
/** The darner header sits right after the EROFS superblock, inside the checksummed block 0. */
export const DARNER_HEADER_OFFSET = SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE;
export const DARNER_HEADER_SIZE = 128;
/** "DARNERBT" in ASCII. */
export const DARNER_MAGIC = 'DARNERBT';
/** The version of darner's own layout (header at 0x480, region after the metadata): read, no longer written. */
export const DARNER_HEADER_VERSION = 1;
/** The format version darner writes: RAFS v6 with the darner mark (darner-mark.ts). */
export const DARNER_FORMAT_VERSION = 2;
/** The device table follows the darner header: byte 0x500, devt_slotoff 10. */
export const DEVICE_TABLE_OFFSET = DARNER_HEADER_OFFSET + DARNER_HEADER_SIZE;
export const DEVICE_TABLE_SLOTOFF = DEVICE_TABLE_OFFSET / DEVICE_SLOT_SIZE;
export const DIGEST_CODE_BLAKE3 = 1;
export const DIGEST_CODE_SHA256 = 2;
export const COMPRESSOR_CODE_NONE = 0;
export const COMPRESSOR_CODE_ZSTD = 1;
export const REGION_CHECKSUM_CRC32C = 1;
export const BLOB_RECORD_SIZE = 64;
export const CHUNK_RECORD_SIZE = 64;
export const PREFETCH_ENTRY_SIZE = 8;
/** Chunk digests and blob ids are 32 bytes. */
export const DIGEST_SIZE = 32;
/** The most devices an EROFS superblock can name (extra_devices is a u16). */
export const MAX_BLOBS = 0xffff;
/**
 * Deepest directory nesting the writer accepts and the reader walks. Linux paths are at most
 * 4096 bytes, so no real tree comes near it; it bounds the work a hostile bootstrap can cause.
 */
export const MAX_TREE_DEPTH = 2048;
//# sourceMappingURL=constants.js.map