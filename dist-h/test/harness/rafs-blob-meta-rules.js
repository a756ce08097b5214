/**
 * What nydusd needs from a RAFS v6 image's data blobs to read file data (RAFS v6 fact sheet §8
 * "Mapping a chunk", §10; Nydus `storage/src/meta/mod.rs` read_metadata / validate_header and
 * `chunk_info_v1.rs` validate), checked independently of darner's code: each blob record's
 * chunk-info array and its 4 KiB header are in the blob where the record says, agree with the
 * record, and every entry lies inside the blob's chunk data; every chunk-table record of the
 * bootstrap is the entry its chunk-info index names. Returns every rule broken, prefixed `blob N:`.
 */
import { createHash } from 'node:crypto';
import { decompress } from 'zstd-napi';
const EXT = 0x480;
const HEADER_SIZE = 4096;
const MAGIC = 0xb10bb10b;
const CAP_TAR_TOC = 0x4000_0000;
const HAS_TAR_HEADER = 0x1000_0000;
function decodeEntry(a, at) {
    const u = a.readBigUInt64LE(at);
    const c = a.readBigUInt64LE(at + 8);
    return {
        uoff: Number(u & 0xffffffff000n),
        usize: Number(((u >> 44n) | (((u >> 8n) & 0xfn) << 20n)) + 1n),
        coff: Number(c & 0xffffffffffn),
        csize: Number(((c >> 44n) | (((c >> 40n) & 0xfn) << 20n)) + 1n),
    };
}
/** `blobOf(id)` gives a blob's stored bytes (the OCI layer), or undefined when it is missing. */
export function blobMetaViolations(boot, blobOf) {
    const out = [];
    const blobTableOffset = Number(boot.readBigUInt64LE(EXT + 0x08));
    const blobCount = boot.readUInt32LE(EXT + 0x10) / 256;
    const chunkTableOffset = Number(boot.readBigUInt64LE(EXT + 0x18));
    const chunkRecords = Number(boot.readBigUInt64LE(EXT + 0x20)) / 80;
    const arrays = [];
    for (let i = 0; i < blobCount; i++) {
        const rule = (ok, text) => {
            if (!ok)
                out.push(`blob ${i}: ${text}`);
        };
        arrays.push(undefined);
        const r = blobTableOffset + 256 * i;
        const id = boot.toString('latin1', r, r + 64);
        const count = boot.readUInt32LE(r + 0x48);
        const features = boot.readUInt32LE(r + 0x54);
        const compressedSize = Number(boot.readBigUInt64LE(r + 0x58));
        const uncompressedSize = Number(boot.readBigUInt64LE(r + 0x60));
        const ciCompressor = boot.readUInt32LE(r + 0x6c);
        const ciOffset = Number(boot.readBigUInt64LE(r + 0x70));
        const ciCompressed = Number(boot.readBigUInt64LE(r + 0x78));
        const ciUncompressed = Number(boot.readBigUInt64LE(r + 0x80));
        const blob = blobOf(id);
        rule(blob !== undefined, `no blob ${id}`);
        if (blob === undefined)
            continue;
        rule(createHash('sha256').update(blob).digest('hex') === id, 'id is not the sha256 of the blob');
        // nydusd loads the array only when both sizes are set; without it no chunk can be mapped.
        rule(ciCompressed !== 0 && ciUncompressed !== 0, 'the record declares no chunk-info array');
        const headerAt = ciOffset + ciCompressed;
        rule(headerAt + HEADER_SIZE <= blob.length, `chunk-info array and header [${ciOffset}, ${headerAt + HEADER_SIZE}) run past the blob's ${blob.length} bytes`);
        if (ciCompressed === 0 || headerAt + HEADER_SIZE > blob.length)
            continue;
        const h = blob.subarray(headerAt, headerAt + HEADER_SIZE);
        rule(h.readUInt32LE(0) === MAGIC && h.readUInt32LE(HEADER_SIZE - 4) === MAGIC, 'header magic');
        rule(h.readUInt32LE(12) === count, `header has ${h.readUInt32LE(12)} entries, the record ${count} chunks`);
        rule(h.readUInt32LE(8) === ciCompressor, `header compressor ${h.readUInt32LE(8)}, record ${ciCompressor}`);
        rule(Number(h.readBigUInt64LE(16)) === ciOffset, `header ci_offset ${h.readBigUInt64LE(16)}, record ${ciOffset}`);
        rule(Number(h.readBigUInt64LE(24)) === ciCompressed && Number(h.readBigUInt64LE(32)) === ciUncompressed, 'header sizes differ from the record');
        rule(ciUncompressed === 16 * count, `array of ${ciUncompressed} bytes for ${count} chunks`);
        const stored = blob.subarray(ciOffset, headerAt);
        let array;
        if (ciCompressor === 0)
            array = stored;
        else if (ciCompressor === 3)
            array = decompress(stored);
        else {
            rule(false, `chunk-info compressor ${ciCompressor} not decoded here`);
            continue;
        }
        rule(array.length === ciUncompressed, `array decodes to ${array.length} bytes, not ${ciUncompressed}`);
        if (array.length !== ciUncompressed || ciUncompressed !== 16 * count)
            continue;
        // Where nydusd takes the chunk data to end (BlobInfo::compressed_data_size).
        const dataEnd = (features & CAP_TAR_TOC) !== 0 ? ciOffset - ((features & HAS_TAR_HEADER) !== 0 ? 0x200 : 0) : compressedSize;
        const entries = [];
        for (let k = 0; k < count; k++) {
            const e = decodeEntry(array, 16 * k);
            rule(e.coff + e.csize <= dataEnd, `entry ${k}: stored bytes end at ${e.coff + e.csize}, past the chunk data's ${dataEnd}`);
            rule(e.uoff + e.usize <= Math.ceil(uncompressedSize / 4096) * 4096, `entry ${k}: past the uncompressed size`);
            rule(e.uoff % 4096 === 0, `entry ${k}: uncompressed offset not 4 KiB aligned`);
            const prev = entries[k - 1];
            rule(prev === undefined || prev.uoff + prev.usize <= e.uoff, `entry ${k}: not after entry ${k - 1} in uncompressed order (nydusd searches by offset)`);
            entries.push(e);
        }
        arrays[i] = entries;
    }
    // The bootstrap's chunk-table records name entries by (blob, chunk-info index).
    for (let n = 0; n < chunkRecords; n++) {
        const r = chunkTableOffset + 80 * n;
        const blob = boot.readUInt32LE(r + 0x20);
        const entries = arrays[blob];
        if (entries === undefined)
            continue;
        const ci = boot.readUInt32LE(r + 0x48);
        const e = entries[ci];
        const rec = { coff: Number(boot.readBigUInt64LE(r + 0x30)), csize: boot.readUInt32LE(r + 0x28), uoff: Number(boot.readBigUInt64LE(r + 0x38)), usize: boot.readUInt32LE(r + 0x2c) };
        const same = e !== undefined && e.coff === rec.coff && e.csize === rec.csize && e.uoff === rec.uoff && e.usize === rec.usize;
        if (!same)
            out.push(`blob ${blob}: chunk record ${n} (${JSON.stringify(rec)}) is not its chunk-info entry ${ci} (${JSON.stringify(e)})`);
        // An entry has no compression flag: nydusd decompresses a chunk when its two sizes differ.
        const compressed = (boot.readUInt32LE(r + 0x24) & 0x1) !== 0;
        if (compressed !== (rec.csize !== rec.usize))
            out.push(`blob ${blob}: chunk record ${n} is ${compressed ? 'zstd' : 'raw'} but its sizes say otherwise`);
    }
    return out;
}
//# sourceMappingURL=rafs-blob-meta-rules.js.map