/**
 * writeBootstrap: ImageMetadata → a valid EROFS image (metadata only; file data lives in the
 * blobs, named by chunk indexes) carrying the darner extension. The layout is decided by
 * planBootstrap; this module only encodes. Same model in, same bytes out.
 */
import { InvalidImageMetadataError } from '../errors.js';
import type { ImageMetadata } from './model.js';
import { HOLE } from './model.js';
import {
  BLOB_RECORD_SIZE,
  BLOCK_SIZE,
  BLOCK_SIZE_BITS,
  CHUNK_INDEX_ENTRY_SIZE,
  CHUNK_RECORD_SIZE,
  DARNER_FORMAT_VERSION,
  DARNER_HEADER_SIZE,
  DARNER_MAGIC,
  DATALAYOUT_CHUNK_BASED,
  DATALAYOUT_FLAT_INLINE,
  DEVICE_SLOT_SIZE,
  DEVICE_TABLE_OFFSET,
  DEVICE_TABLE_SLOTOFF,
  EROFS_MAGIC,
  FEATURE_COMPAT_SB_CHKSUM,
  FEATURE_INCOMPAT_CHUNKED_FILE,
  FEATURE_INCOMPAT_DEVICE_TABLE,
  MAX_ROOT_NID,
  NULL_ADDR,
  PREFETCH_ENTRY_SIZE,
  REGION_CHECKSUM_CRC32C,
} from './constants.js';
import { alignUp } from './bytes.js';
import { blobBlocks, encodeBlobRecord } from './blob-table.js';
import { chunkIndexOffset, encodeChunkIndexEntry, HOLE_ENTRY } from './chunk-index.js';
import { encodeChunkRecord } from './chunk-table.js';
import { crc32c } from './crc32c.js';
import { encodeDeviceSlot } from './device-slot.js';
import { encodeDirectoryBlock, fileTypeOfKind } from './dirent.js';
import {
  compressorCodeOf,
  digestCodeOf,
  encodeExtensionHeader,
  expectedRegionLength,
  regionLayout,
  type ExtensionHeader,
} from './extension-header.js';
import { encodeInode, inodeCoreSize, makeFormat, modeTypeOfKind } from './inode.js';
import { encodePrefetchEntry } from './prefetch-table.js';
import { encodeSuperblock, sealSuperblock } from './superblock.js';
import { validateImageMetadata } from './validate-metadata.js';
import { planBootstrap, type BootstrapPlan, type PlannedInode } from './writer-plan.js';

/**
 * Encodes `meta` as a bootstrap. Throws InvalidImageMetadataError if the model breaks a rule of
 * the format (see validateImageMetadata) or does not fit (root nid beyond 65535, more than 2^32
 * blocks in the unified address space).
 */
export function writeBootstrap(meta: ImageMetadata): Buffer {
  validateImageMetadata(meta);
  const plan = planBootstrap(meta);
  if (plan.root.nid > MAX_ROOT_NID)
    throw new InvalidImageMetadataError(`root inode lands at nid ${plan.root.nid}, beyond ${MAX_ROOT_NID} (too many blobs)`);

  const regionLength = expectedRegionLength({
    blobCount: meta.blobs.length,
    chunkCount: meta.chunks.length,
    prefetchCount: meta.prefetch.length,
  });
  const imageSize = alignUp(plan.regionOffset + regionLength, BLOCK_SIZE);
  const imageBlocks = imageSize / BLOCK_SIZE;
  let unified = imageBlocks;
  for (const b of meta.blobs) unified += blobBlocks(b);
  if (unified > NULL_ADDR)
    throw new InvalidImageMetadataError(`bootstrap and blobs span ${unified} blocks, beyond 32-bit block addresses`);

  const image = Buffer.alloc(imageSize);
  writeDeviceTable(meta, image, imageBlocks);
  for (const p of plan.inodes) writeInode(meta, plan, p, image);

  const header = writeRegion(meta, plan, image, regionLength);
  encodeExtensionHeader(header, image);
  encodeSuperblock(
    {
      magic: EROFS_MAGIC,
      checksum: 0,
      featureCompat: FEATURE_COMPAT_SB_CHKSUM,
      blkszbits: BLOCK_SIZE_BITS,
      sbExtslots: 0,
      rootNid: plan.root.nid,
      inos: plan.inodes.length,
      buildTime: meta.buildTime,
      buildTimeNsec: 0,
      blocks: imageBlocks,
      metaBlkaddr: 0,
      xattrBlkaddr: 0,
      uuid: new Uint8Array(16),
      volumeName: new Uint8Array(16),
      featureIncompat: FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE,
      comprAlgs: 0,
      extraDevices: meta.blobs.length,
      devtSlotoff: DEVICE_TABLE_SLOTOFF,
      dirblkbits: 0,
    },
    image,
  );
  // Last: the checksum covers the darner header and the device slots in block 0.
  sealSuperblock(image);
  return image;
}

/** One slot per blob; uniaddr places blob i right after the bootstrap and blobs 0..i−1. */
function writeDeviceTable(meta: ImageMetadata, image: Buffer, imageBlocks: number): void {
  let uniaddr = imageBlocks;
  meta.blobs.forEach((b, i) => {
    const blocks = blobBlocks(b);
    encodeDeviceSlot({ tag: b.id, blocks, uniaddr }, image, DEVICE_TABLE_OFFSET + i * DEVICE_SLOT_SIZE);
    uniaddr += blocks;
  });
}

function writeInode(meta: ImageMetadata, plan: BootstrapPlan, p: PlannedInode, image: Buffer): void {
  const node = p.node;
  const format = makeFormat(p.extended, p.datalayout);
  encodeInode(
    {
      format,
      xattrIcount: p.xattrIcount,
      mode: modeTypeOfKind(node.kind) | node.permissions,
      reserved: 0,
      nlink: p.nlink,
      size: p.size,
      mtime: p.extended ? node.mtime : 0,
      mtimeNsec: p.extended ? node.mtimeNsec : 0,
      u: p.u,
      ino: p.ordinal,
      uid: node.uid,
      gid: node.gid,
    },
    image,
    p.offset,
  );
  const afterCore = p.offset + inodeCoreSize(format);
  image.set(p.xattrIbody, afterCore);
  const inlineAt = afterCore + p.xattrIbody.length;

  if (node.kind === 'file' && p.datalayout === DATALAYOUT_CHUNK_BASED) {
    let at = chunkIndexOffset(p.offset, inodeCoreSize(format), p.xattrIbody.length);
    for (const slot of node.chunks) {
      if (slot === HOLE) {
        encodeChunkIndexEntry(HOLE_ENTRY, image, at);
      } else {
        const chunk = meta.chunks[slot]!;
        encodeChunkIndexEntry(
          { advise: 0, deviceId: chunk.blobIndex + 1, blkaddr: chunk.uncompressedOffset / BLOCK_SIZE },
          image,
          at,
        );
      }
      at += CHUNK_INDEX_ENTRY_SIZE;
    }
  } else if (node.kind === 'dir') {
    const entries = p.entries!;
    const starts = p.blockStarts!;
    starts.forEach((start, k) => {
      const end = starts[k + 1] ?? entries.length;
      const bytes = encodeDirectoryBlock(
        entries.slice(start, end).map((e) => {
          const target = plan.byNode.get(e.node)!;
          return { name: e.name, nid: target.nid, fileType: fileTypeOfKind(e.node.kind) };
        }),
      );
      const isTail = k === starts.length - 1 && p.datalayout === DATALAYOUT_FLAT_INLINE;
      image.set(bytes, isTail ? inlineAt : (p.u + k) * BLOCK_SIZE);
    });
  } else if (node.kind === 'symlink') {
    image.set(p.target!, p.datalayout === DATALAYOUT_FLAT_INLINE ? inlineAt : p.u * BLOCK_SIZE);
  }
}

/** Writes blob, chunk and prefetch tables; returns the darner header describing them. */
function writeRegion(meta: ImageMetadata, plan: BootstrapPlan, image: Buffer, regionLength: number): ExtensionHeader {
  const header: ExtensionHeader = {
    magic: DARNER_MAGIC,
    version: DARNER_FORMAT_VERSION,
    headerSize: DARNER_HEADER_SIZE,
    flags: 0,
    chunkSize: meta.chunkSize,
    digestCode: digestCodeOf(meta.digestAlgorithm),
    compressorCode: compressorCodeOf(meta.compressor),
    checksumCode: REGION_CHECKSUM_CRC32C,
    blobCount: meta.blobs.length,
    chunkCount: meta.chunks.length,
    prefetchCount: meta.prefetch.length,
    regionChecksum: 0,
    regionOffset: plan.regionOffset,
    regionLength,
  };
  const at = regionLayout(header);
  meta.blobs.forEach((b, i) => encodeBlobRecord(b, image, at.blobTable + i * BLOB_RECORD_SIZE));
  meta.chunks.forEach((c, i) => encodeChunkRecord(c, image, at.chunkTable + i * CHUNK_RECORD_SIZE));
  meta.prefetch.forEach((f, i) =>
    encodePrefetchEntry(plan.byNode.get(f)!.nid, image, at.prefetchTable + i * PREFETCH_ENTRY_SIZE),
  );
  header.regionChecksum = crc32c(image.subarray(plan.regionOffset, plan.regionOffset + regionLength));
  return header;
}
