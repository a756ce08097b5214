/**
 * The structural rules nydus-image and nydusd apply when they load a RAFS v6 bootstrap, checked
 * field by field and independently of darner's reader (from the RAFS v6 byte layout: superblock,
 * extended superblock, device table, blob table, chunk-info table). Returns every rule broken, so
 * that a bootstrap meant for Nydus can be held to all of them at once.
 */
const SB = 0x400;
const EXT = 0x480;
const DEVT = 0x580;

export function rafsV6Violations(b: Buffer): string[] {
  const out: string[] = [];
  const rule = (ok: boolean, text: string): void => {
    if (!ok) out.push(text);
  };
  if (b.length < 4096) return ['file is smaller than one 4096-byte block'];
  rule(b.length % 4096 === 0, `file size ${b.length} is not a multiple of 4096`);
  rule(b.readUInt32LE(SB) === 0xe0f5e1e2, 'superblock magic');
  rule(b.readUInt32LE(SB + 0x04) === 0, `superblock checksum is ${b.readUInt32LE(SB + 0x04)}, must be 0`);
  rule((b.readUInt32LE(SB + 0x08) & 0x40000000) !== 0, 'feature_compat lacks RAFS_V6 (0x40000000)');
  rule(b[SB + 0x0c] === 12, `blkszbits ${b[SB + 0x0c]}, must be 12`);
  rule(b[SB + 0x0d] === 0, 'extslots must be 0');
  rule(b.readBigUInt64LE(SB + 0x10) !== 0n, 'inos must not be 0');
  const metaBlkaddr = b.readUInt32LE(SB + 0x28);
  rule(metaBlkaddr * 4096 <= b.length, `meta_blkaddr ${metaBlkaddr} is past the end`);
  rule(b.readUInt32LE(SB + 0x2c) === 0, 'xattr_blkaddr must be 0');
  rule(b.readUInt32LE(SB + 0x50) === 0xc, `feature_incompat ${b.readUInt32LE(SB + 0x50).toString(16)}, must be exactly 0xc`);
  rule(b.readUInt16LE(SB + 0x54) === 0, 'compression union field must be 0');
  const devices = b.readUInt16LE(SB + 0x56);
  rule(b.readUInt16LE(SB + 0x58) === 11, `devt_slotoff ${b.readUInt16LE(SB + 0x58)}, must be 11 (table at 0x580)`);
  const devtEnd = DEVT + 128 * devices;
  rule(devtEnd <= b.length, 'device table runs past the end');

  const flags = Number(b.readBigUInt64LE(EXT));
  const ones = (n: number): number => n.toString(2).split('').filter((c) => c === '1').length;
  rule(ones(flags & (0x1 | 0x2 | 0x40 | 0x80)) === 1, `extended superblock flags 0x${flags.toString(16)}: exactly one compression bit`);
  rule(ones(flags & (0x4 | 0x8)) === 1, `extended superblock flags 0x${flags.toString(16)}: exactly one digest bit`);
  const blobTableOffset = Number(b.readBigUInt64LE(EXT + 0x08));
  const blobTableSize = b.readUInt32LE(EXT + 0x10);
  const chunkSize = b.readUInt32LE(EXT + 0x14);
  rule(chunkSize >= 4096 && chunkSize <= 16 << 20 && (chunkSize & (chunkSize - 1)) === 0, `chunk size ${chunkSize} is not a power of two in 4 KiB–16 MiB`);
  rule(blobTableOffset % 4096 === 0 && blobTableOffset >= 4096 && blobTableOffset >= devtEnd, `blob table offset ${blobTableOffset}: 4 KiB aligned, ≥ 4096, after the device table`);
  rule(blobTableSize % 256 === 0 && blobTableOffset + blobTableSize <= b.length, `blob table size ${blobTableSize}: whole 256-byte records inside the file`);
  rule(blobTableSize / 256 === devices, `blob table has ${blobTableSize / 256} records for ${devices} devices`);
  const chunkTableOffset = Number(b.readBigUInt64LE(EXT + 0x18));
  const chunkTableSize = Number(b.readBigUInt64LE(EXT + 0x20));
  rule(chunkTableSize % 80 === 0, `chunk table size ${chunkTableSize} is not whole 80-byte records`);
  if (chunkTableSize > 0)
    rule(chunkTableOffset % 4096 === 0 && chunkTableOffset >= 4096 && chunkTableOffset + chunkTableSize <= b.length, `chunk table [${chunkTableOffset}, +${chunkTableSize}): 4 KiB aligned inside the file`);
  const prefetchOffset = Number(b.readBigUInt64LE(EXT + 0x28));
  const prefetchSize = b.readUInt32LE(EXT + 0x30);
  rule(prefetchSize % 4 === 0, `prefetch table size ${prefetchSize} is not whole u32 entries`);
  if (prefetchSize > 0) rule(prefetchOffset >= 4096 && prefetchOffset + prefetchSize <= b.length, 'prefetch table inside the file, after block 0');

  for (let i = 0; i < devices && devtEnd <= b.length; i++) {
    const slot = DEVT + 128 * i;
    rule(b.readUInt32LE(slot + 0x40) !== 0, `device slot ${i}: blocks must not be 0`);
  }
  for (let i = 0; i < blobTableSize / 256 && blobTableOffset + blobTableSize <= b.length; i++) {
    const r = blobTableOffset + 256 * i;
    rule(b.readUInt32LE(r + 0x40) === i, `blob ${i}: blob_index ${b.readUInt32LE(r + 0x40)}`);
    rule(b.readUInt32LE(r + 0x44) === chunkSize, `blob ${i}: chunk size differs from the extended superblock's`);
    rule((b.readUInt32LE(r + 0x54) & 0x1) !== 0, `blob ${i}: features lack ALIGNED`);
    rule(b.readUInt32LE(r + 0x4c) <= 3 && b.readUInt32LE(r + 0x50) <= 1, `blob ${i}: unknown compression or digest code`);
    const ciUncompressed = Number(b.readBigUInt64LE(r + 0x80));
    rule(ciUncompressed === 16 * b.readUInt32LE(r + 0x48), `blob ${i}: chunk count is not the chunk-info array size / 16`);
  }
  return out;
}
