/**
 * The structural rules nydus-image and nydusd apply when they load a RAFS v6 bootstrap (the RAFS
 * v6 fact sheet, §2–§12), checked field by field and independently of darner's reader: superblock,
 * extended superblock, device table, blob table, chunk-info table, and, walking the tree from the
 * root, every inode and chunk index entry. Returns every rule broken, each prefixed with its
 * group (`superblock:`, `extended superblock:`, `device table:`, `blob table:`, `chunk table:`,
 * `inodes:`), so that a bootstrap meant for Nydus can be held to all of them at once. A chunk
 * index entry that is an EROFS hole (device 0, block 0xFFFFFFFF) is listed in its own group,
 * `holes:`: Linux reads zeros there, but nydusd maps device 0 to no blob.
 */
const SB = 0x400;
const EXT = 0x480;
const DEVT = 0x580;
export function rafsV6Violations(b) {
    const out = [];
    const rule = (group, ok, text) => {
        if (!ok)
            out.push(`${group}: ${text}`);
    };
    if (b.length < 4096)
        return ['superblock: file is smaller than one 4096-byte block'];
    // §2 superblock.
    const S = 'superblock';
    rule(S, b.length % 4096 === 0, `file size ${b.length} is not a multiple of 4096`);
    rule(S, b.readUInt32LE(SB) === 0xe0f5e1e2, 'magic');
    rule(S, b.readUInt32LE(SB + 0x04) === 0, `checksum is ${b.readUInt32LE(SB + 0x04)}, must be 0`);
    rule(S, (b.readUInt32LE(SB + 0x08) & 0x40000000) !== 0, 'feature_compat lacks RAFS_V6 (0x40000000)');
    rule(S, b[SB + 0x0c] === 12, `blkszbits ${b[SB + 0x0c]}, must be 12`);
    rule(S, b[SB + 0x0d] === 0, 'extslots must be 0');
    rule(S, b.readBigUInt64LE(SB + 0x10) !== 0n, 'inos must not be 0');
    const devices = b.readUInt16LE(SB + 0x56);
    const blocks = b.readUInt32LE(SB + 0x24);
    if (devices === 0)
        rule(S, blocks === 0 || blocks === 4096, `blocks ${blocks} without blobs (must be 0 or 4096)`);
    const metaBlkaddr = b.readUInt32LE(SB + 0x28);
    const metaBase = metaBlkaddr * 4096;
    rule(S, metaBase <= b.length, `meta_blkaddr ${metaBlkaddr} is past the end`);
    rule(S, b.readUInt32LE(SB + 0x2c) === 0, 'xattr_blkaddr must be 0');
    rule(S, b.readUInt32LE(SB + 0x50) === 0xc, `feature_incompat ${b.readUInt32LE(SB + 0x50).toString(16)}, must be exactly 0xc`);
    rule(S, b.readUInt16LE(SB + 0x54) === 0, 'compression union field must be 0');
    rule(S, b.readUInt16LE(SB + 0x58) === 11, `devt_slotoff ${b.readUInt16LE(SB + 0x58)}, must be 11 (table at 0x580)`);
    rule(S, devices <= 254, `${devices} devices (at most 254)`);
    const devtEnd = DEVT + 128 * devices;
    rule(S, devtEnd <= b.length, 'device table runs past the end');
    // §3 extended superblock.
    const E = 'extended superblock';
    const flags = Number(b.readBigUInt64LE(EXT));
    const ones = (n) => n.toString(2).split('').filter((c) => c === '1').length;
    rule(E, (flags & ~0x0300_03ff) === 0, `flags 0x${flags.toString(16)}: unknown bits`);
    rule(E, ones(flags & (0x1 | 0x2 | 0x40 | 0x80)) === 1, `flags 0x${flags.toString(16)}: exactly one compression bit`);
    rule(E, ones(flags & (0x4 | 0x8)) === 1, `flags 0x${flags.toString(16)}: exactly one digest bit`);
    rule(E, ones(flags & 0x0300_0000) <= 1, `flags 0x${flags.toString(16)}: at most one encryption bit`);
    const compressionCode = { 0x1: 0, 0x2: 1, 0x40: 2, 0x80: 3 }[flags & 0xc3];
    const digestCode = { 0x4: 0, 0x8: 1 }[flags & 0xc];
    const blobTableOffset = Number(b.readBigUInt64LE(EXT + 0x08));
    const blobTableSize = b.readUInt32LE(EXT + 0x10);
    const blobTableEnd = blobTableOffset + blobTableSize;
    const chunkSize = b.readUInt32LE(EXT + 0x14);
    rule(E, chunkSize >= 4096 && chunkSize <= 16 << 20 && (chunkSize & (chunkSize - 1)) === 0, `chunk size ${chunkSize} is not a power of two in 4 KiB–16 MiB`);
    rule(E, blobTableOffset % 4096 === 0 && blobTableOffset >= 4096 && blobTableOffset >= devtEnd, `blob table offset ${blobTableOffset}: 4 KiB aligned, ≥ 4096, after the device table`);
    rule(E, blobTableSize % 256 === 0 && blobTableEnd <= b.length, `blob table size ${blobTableSize}: whole 256-byte records inside the file`);
    rule(E, blobTableSize / 256 === devices, `blob table has ${blobTableSize / 256} records for ${devices} devices`);
    const chunkTableOffset = Number(b.readBigUInt64LE(EXT + 0x18));
    const chunkTableSize = Number(b.readBigUInt64LE(EXT + 0x20));
    const chunkTableEnd = chunkTableOffset + chunkTableSize;
    rule(E, chunkTableSize % 80 === 0, `chunk table size ${chunkTableSize} is not whole 80-byte records`);
    if (chunkTableSize > 0) {
        rule(E, chunkTableOffset % 4096 === 0 && chunkTableOffset >= 4096 && chunkTableEnd <= b.length, `chunk table [${chunkTableOffset}, +${chunkTableSize}): 4 KiB aligned inside the file`);
        rule(E, chunkTableEnd <= blobTableOffset || chunkTableOffset >= blobTableEnd, 'chunk table overlaps the blob table');
        rule(E, chunkTableOffset >= metaBase, 'chunk table lies before meta_blkaddr');
    }
    const prefetchOffset = Number(b.readBigUInt64LE(EXT + 0x28));
    const prefetchSize = b.readUInt32LE(EXT + 0x30);
    rule(E, prefetchSize % 4 === 0, `prefetch table size ${prefetchSize} is not whole u32 entries`);
    if (prefetchSize > 0) {
        rule(E, prefetchOffset >= 4096 && prefetchOffset + prefetchSize <= b.length, 'prefetch table inside the file, after block 0');
        rule(E, prefetchOffset + prefetchSize <= blobTableOffset || prefetchOffset >= blobTableEnd, 'prefetch table overlaps the blob table');
    }
    // §4 device table and §5 blob table.
    const blobCount = blobTableSize % 256 === 0 && blobTableEnd <= b.length && blobTableSize / 256 === devices ? devices : 0;
    const blobChunks = [];
    const blobUncompressed = [];
    const ids = new Set();
    for (let i = 0; i < devices && devtEnd <= b.length; i++) {
        const slot = DEVT + 128 * i;
        rule('device table', b.readUInt32LE(slot + 0x40) !== 0, `slot ${i}: blocks must not be 0`);
        rule('device table', Buffer.from(b.subarray(slot, slot + 64)).toString('utf8').indexOf('\ufffd') < 0, `slot ${i}: tag is not valid UTF-8`);
    }
    for (let i = 0; i < blobCount; i++) {
        const B = 'blob table';
        const r = blobTableOffset + 256 * i;
        const id = b.toString('latin1', r, r + 64);
        rule(B, /^[0-9a-f]{64}$/.test(id), `blob ${i}: id is not 64 hex digits`);
        rule(B, !ids.has(id), `blob ${i}: duplicate id`);
        ids.add(id);
        rule(B, b.readUInt32LE(r + 0x40) === i, `blob ${i}: blob_index ${b.readUInt32LE(r + 0x40)}`);
        rule(B, b.readUInt32LE(r + 0x44) === chunkSize, `blob ${i}: chunk size differs from the extended superblock's`);
        const count = b.readUInt32LE(r + 0x48);
        rule(B, count <= 1 << 24, `blob ${i}: chunk count ${count} beyond 2^24`);
        rule(B, b.readUInt32LE(r + 0x4c) === compressionCode, `blob ${i}: compression code ${b.readUInt32LE(r + 0x4c)} is not the flags' ${compressionCode}`);
        rule(B, b.readUInt32LE(r + 0x50) === digestCode, `blob ${i}: digest code ${b.readUInt32LE(r + 0x50)} is not the flags' ${digestCode}`);
        const features = b.readUInt32LE(r + 0x54);
        rule(B, (features & 0x1) !== 0, `blob ${i}: features lack ALIGNED`);
        rule(B, (features & (0x8 | 0x80 | 0x100)) === 0 || (features & 0x4) !== 0, `blob ${i}: BATCH, ZRAN or ENCRYPTED without CHUNK_INFO_V2`);
        const compressed = Number(b.readBigUInt64LE(r + 0x58));
        const uncompressed = Number(b.readBigUInt64LE(r + 0x60));
        rule(B, compressed <= 2 ** 40, `blob ${i}: compressed size beyond 2^40`);
        rule(B, uncompressed <= 2 ** 44 && uncompressed % 4096 === 0, `blob ${i}: uncompressed size ${uncompressed} is not 4 KiB aligned below 2^44`);
        rule(B, b.readUInt32LE(r + 0x6c) <= 3, `blob ${i}: unknown chunk-info compressor`);
        const ciCompressed = Number(b.readBigUInt64LE(r + 0x78));
        const ciUncompressed = Number(b.readBigUInt64LE(r + 0x80));
        rule(B, ciUncompressed === 16 * count, `blob ${i}: chunk count is not the chunk-info array size / 16`);
        rule(B, ciCompressed <= ciUncompressed, `blob ${i}: chunk-info compressed size exceeds the uncompressed one`);
        rule(B, b.readUInt32LE(r + 0xd8) <= 1, `blob ${i}: unknown cipher algorithm`);
        if (devtEnd <= b.length) {
            const slotBlocks = b.readUInt32LE(DEVT + 128 * i + 0x40);
            rule('device table', slotBlocks === uncompressed / 4096, `slot ${i}: ${slotBlocks} blocks but blob ${i} spans ${uncompressed / 4096}`);
        }
        blobChunks.push(count);
        blobUncompressed.push(uncompressed);
    }
    if (devices > 0 && blobCount === devices && devtEnd <= b.length) {
        let sum = 0;
        for (let i = 0; i < devices; i++)
            sum += b.readUInt32LE(DEVT + 128 * i + 0x40);
        rule(S, blocks === sum, `blocks ${blocks}, but the device slots hold ${sum}`);
    }
    // §9 chunk-info table: records keyed by (blob, ci index, blkaddr), as the tools look them up.
    const C = 'chunk table';
    const keys = new Set();
    if (chunkTableSize % 80 === 0 && chunkTableEnd <= b.length) {
        for (let i = 0; i < chunkTableSize / 80; i++) {
            const r = chunkTableOffset + 80 * i;
            const blob = b.readUInt32LE(r + 0x20);
            const f = b.readUInt32LE(r + 0x24);
            const csize = b.readUInt32LE(r + 0x28);
            const usize = b.readUInt32LE(r + 0x2c);
            const uoff = Number(b.readBigUInt64LE(r + 0x38));
            const ci = b.readUInt32LE(r + 0x48);
            rule(C, blob < blobCount, `record ${i}: blob index ${blob} of ${blobCount}`);
            rule(C, (f & ~0x1f) === 0, `record ${i}: unknown flags 0x${f.toString(16)}`);
            rule(C, (f & 0x1) !== 0 || csize === usize, `record ${i}: stored raw, but its sizes differ`);
            rule(C, usize >= 1 && usize <= chunkSize, `record ${i}: uncompressed size ${usize} outside 1..chunk size`);
            rule(C, uoff % 4096 === 0, `record ${i}: uncompressed offset ${uoff} is not 4 KiB aligned`);
            if (blob < blobCount) {
                rule(C, ci < blobChunks[blob], `record ${i}: chunk-info index ${ci} of blob ${blob}'s ${blobChunks[blob]}`);
                rule(C, uoff + usize <= blobUncompressed[blob], `record ${i}: past blob ${blob}'s uncompressed size`);
            }
            keys.add(`${blob}/${ci}/${uoff / 4096}`);
        }
    }
    // §6–§8 the tree: every inode the root reaches, every chunk index entry found in the table.
    if (metaBase < b.length && out.length === 0)
        walkInodes(b, metaBase, chunkSize, blobCount, blobChunks, keys, (ok, text) => rule('inodes', ok, text), (text) => rule('holes', false, text));
    if (out.length === 0 && prefetchSize > 0 && prefetchSize % 4 === 0 && prefetchOffset + prefetchSize <= b.length) {
        for (let i = 0; i < prefetchSize / 4; i++) {
            const nid = b.readUInt32LE(prefetchOffset + 4 * i);
            rule(E, metaBase + nid * 32 + 64 <= b.length, `prefetch entry ${i}: nid ${nid} is past the end`);
        }
    }
    return out;
}
/** Walks the directory tree from the root nid, checking what Nydus reads of each inode. */
function walkInodes(b, metaBase, chunkSize, blobCount, blobChunks, keys, rule, hole) {
    const seen = new Set();
    const stack = [b.readUInt16LE(SB + 0x0e)];
    while (stack.length > 0) {
        const nid = stack.pop();
        if (seen.has(nid))
            continue;
        seen.add(nid);
        const at = metaBase + nid * 32;
        if (at + 32 > b.length) {
            rule(false, `nid ${nid} is past the end`);
            continue;
        }
        const format = b.readUInt16LE(at);
        const extended = (format & 1) === 1;
        if (at + (extended ? 64 : 32) > b.length) {
            rule(false, `nid ${nid}: inode runs past the end`);
            continue;
        }
        const layout = (format >> 1) & 0x7;
        const icount = b.readUInt16LE(at + 2);
        const mode = b.readUInt16LE(at + 4);
        const size = extended ? Number(b.readBigUInt64LE(at + 8)) : b.readUInt32LE(at + 8);
        const u = b.readUInt32LE(at + 0x10);
        const nlink = extended ? b.readUInt32LE(at + 0x2c) : b.readUInt16LE(at + 6);
        const body = at + (extended ? 64 : 32) + (icount === 0 ? 0 : 12 + 4 * (icount - 1));
        const type = mode & 0o170000;
        rule(nlink !== 0, `nid ${nid}: nlink 0`);
        rule((format & ~0xf) === 0, `nid ${nid}: i_format 0x${format.toString(16)} has unknown bits`);
        if (type === 0o100000) {
            rule(layout === 4, `nid ${nid}: regular file is not CHUNK_BASED`);
            const entries = Math.ceil(size / chunkSize);
            const index = Math.ceil(body / 8) * 8;
            if (index + entries * 8 > b.length) {
                rule(false, `nid ${nid}: chunk index runs past the end`);
                continue;
            }
            for (let k = 0; k < entries; k++) {
                const e = index + 8 * k;
                const dev = b.readUInt16LE(e + 2);
                const blob = (dev & 0xff) - 1;
                const ci = b.readUInt16LE(e) | ((dev >> 8) << 16);
                const blkaddr = b.readUInt32LE(e + 4);
                if (dev === 0 && blkaddr === 0xffffffff) {
                    hole(`nid ${nid} chunk ${k}`);
                    continue;
                }
                rule(blob >= 0 && blob < blobCount, `nid ${nid} chunk ${k}: device ${dev & 0xff} is not a blob`);
                if (blob >= 0 && blob < blobCount)
                    rule(ci < blobChunks[blob], `nid ${nid} chunk ${k}: chunk-info index ${ci} of blob ${blob}'s ${blobChunks[blob]}`);
                rule(keys.has(`${blob}/${ci}/${blkaddr}`), `nid ${nid} chunk ${k}: no chunk-table record for blob ${blob}, chunk-info ${ci}, block ${blkaddr}`);
            }
        }
        else if (type === 0o040000 || type === 0o120000) {
            rule(layout === 0 || layout === 2, `nid ${nid}: directory or symlink is not flat`);
            rule(size > 0, `nid ${nid}: empty directory or symlink`);
            if (type === 0o040000) {
                // Dirents: the inline tail (FLAT_INLINE) or whole blocks from i_u.
                const nblocks = Math.ceil(size / 4096);
                for (let k = 0; k < nblocks; k++) {
                    const len = Math.min(4096, size - k * 4096);
                    const start = layout === 2 && k === nblocks - 1 ? body : (u + k) * 4096;
                    if (start + len > b.length) {
                        rule(false, `nid ${nid}: directory block ${k} runs past the end`);
                        break;
                    }
                    const count = b.readUInt16LE(start + 8) / 12;
                    for (let d = 0; d < count; d++)
                        stack.push(Number(b.readBigUInt64LE(start + 12 * d)));
                }
            }
        }
    }
}
//# sourceMappingURL=rafs-v6-rules.js.map