/**
 * Hostile variants of the RAFS v6 bootstraps darner writes (format version 2): the darner mark's
 * own rules, and the rules the reader adds for a bootstrap carrying it (everything darner's
 * writer guarantees beyond Nydus's rules). The Nydus-level rules: nydus-v6.test.ts; darner's own
 * layout (v1): hostile.test.ts.
 */
import test from 'ava';
import { MalformedBootstrapError } from '../../src/errors.js';
import { Bootstrap, DARNER_MARK_OFFSET, RAFS_CHUNK_RECORD_SIZE, decodeRafsExtSuperblock, writeBootstrap } from '../../src/format/index.js';
import { blobMetaSize } from '../../src/format/blob-meta.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { exercise, reseal } from './helpers/exercise.js';
const basic = writeBootstrap(basicModel());
const multi = writeBootstrap(multiblobModel());
/** The models' blobs as `darner convert` now writes them: chunks, then their chunk-info array. */
function withBlobMeta(meta) {
    for (const b of meta.blobs) {
        b.chunkInfoOffset = b.compressedSize;
        b.compressedSize += blobMetaSize(b.chunkCount);
    }
    return meta;
}
const basicMeta = writeBootstrap(withBlobMeta(basicModel()));
const multiMeta = writeBootstrap(withBlobMeta(multiblobModel()));
/** Byte offset of blob record `i` and chunk record `i`. */
const blobRecord = (b, i) => decodeRafsExtSuperblock(b).blobTableOffset + 256 * i;
const chunkRecord = (b, i) => decodeRafsExtSuperblock(b).chunkTableOffset + RAFS_CHUNK_RECORD_SIZE * i;
const SLOTS = 0x580;
function nidOf(bs, path) {
    let n = bs.rootNid;
    for (const name of path.split('/').filter(Boolean))
        n = bs.lookup(n, name);
    return n;
}
const cases = [
    ['checksum', basic, (b) => void (b[b.length - 1] ^= 1), /^darner mark: checksum 0x[0-9a-f]+ does not match the computed 0x/, { seal: false }],
    ['checksum of an inode byte', multi, (b, bs) => void (b[bs.image.locate(nidOf(bs, '/crowd')).offset + 0x20] ^= 1), /^darner mark: checksum/, { seal: false }],
    ['version', basic, (b) => b.writeUInt16LE(3, DARNER_MARK_OFFSET + 8), /^darner mark: format version 3 not supported/],
    ['flags', basic, (b) => b.writeUInt32LE(1, DARNER_MARK_OFFSET + 0x0c), /^darner mark: unknown flags 0x1$/],
    ['reserved', basic, (b) => void (b[DARNER_MARK_OFFSET + 0x30] = 1), /^darner mark: reserved byte 48 is not zero$/],
    ['trailing block', basic, (b) => Buffer.concat([b, Buffer.alloc(4096)]), /^RAFS extended superblock: chunk table \[\d+, \d+\) is not the block-aligned end of the image/],
    ['device tag', multi, (b) => void (b[SLOTS] ^= 1), /^blob table entry 0: device slot 0 has tag "[^"]+", not the blob id$/],
    ['mapped_blkaddr', multi, (b) => b.writeUInt32LE(0, SLOTS + 128 + 0x44), /^blob table entry 1: device slot 1 has mapped_blkaddr 0 \(expected \d+\)$/],
    ['superblock blocks', multi, (b) => b.writeUInt32LE(7, 0x424), /^superblock: blocks 7 but the blobs span \d+$/],
    ['chunk-info index twice', multi, (b) => {
            const ext = decodeRafsExtSuperblock(b);
            // Records 0 and 1 are both in blob 0; give record 1 the chunk-info index of record 0.
            b.writeUInt32LE(b.readUInt32LE(ext.chunkTableOffset + 0x48), ext.chunkTableOffset + RAFS_CHUNK_RECORD_SIZE + 0x48);
        }, /^chunk table entry 1: chunk-info index \d+ of blob 0 is used twice$/],
    ['prefetch of a directory', basic, (b, bs) => b.writeUInt32LE(nidOf(bs, '/etc'), decodeRafsExtSuperblock(b).prefetchTableOffset), /^prefetch entry 0: nid \d+ is a dir, not a regular file$/],
    ['one chunk of 2^k for a file', basic, (b, bs) => {
            // Nydus may name one larger chunk for a contiguous file; darner's writer never does.
            const loc = bs.image.locate(nidOf(bs, '/usr/bin/tool'));
            b.writeUInt32LE(0x20 | 6, loc.offset + 0x10);
        }, /^inode \d+: chunk size 2\^18 differs from the image's 65536$/],
    // A blob's own chunk-info array (blob-meta.ts): the record must place it, with its header, at
    // the very end of the blob, uncompressed, sized for the chunk count; no chunk may reach into it.
    ['blob meta not ending the blob', multiMeta, (b) => b.writeBigUInt64LE(b.readBigUInt64LE(blobRecord(b, 1) + 0x58) + 1n, blobRecord(b, 1) + 0x58),
        /^blob table entry 1: chunk-info array at \d+ and its header do not end the blob at \d+$/],
    ['blob meta compressed', multiMeta, (b) => b.writeUInt32LE(3, blobRecord(b, 0) + 0x6c), /^blob table entry 0: chunk-info array compressor 3 \(darner writes it uncompressed\)$/],
    ['blob meta size', multiMeta, (b) => b.writeBigUInt64LE(b.readBigUInt64LE(blobRecord(b, 2) + 0x78) + 16n, blobRecord(b, 2) + 0x78),
        /^blob table entry 2: chunk-info array sizes 48\/32 for 2 chunks \(expected 32\)$/],
    ['blob features', multiMeta, (b) => b.writeUInt32LE(0x4000_0003, blobRecord(b, 0) + 0x54), /^blob table entry 0: features 0x40000003 \(darner writes 0x1 or 0x40000001\)$/],
    ['chunks-only blob with a chunk-info offset', multi, (b) => b.writeBigUInt64LE(0n, blobRecord(b, 0) + 0x70),
        /^blob table entry 0: chunk-info offset 0 of a chunks-only blob is not its size 12388$/],
    ['chunk reaching into the blob meta', multiMeta, (b) => b.writeBigUInt64LE(b.readBigUInt64LE(blobRecord(b, 0) + 0x70) - 99n, chunkRecord(b, 3) + 0x30),
        /^chunk table entry 3: compressed range \[\d+, \+100\) ends past the blob's 12388 bytes of chunk data$/],
    ['zstd chunk as large as its data', basicMeta, (b) => b.writeUInt32LE(b.readUInt32LE(chunkRecord(b, 1) + 0x2c), chunkRecord(b, 1) + 0x28),
        /^chunk table entry 1: no chunk-info entry of its blob can describe it: a zstd chunk as large as its data \(65536 bytes\) would read as stored raw$/],
];
for (const [name, source, mutate, message, options] of cases) {
    test(`hostile darner RAFS v6: ${name}`, (t) => {
        let bytes = Buffer.from(source);
        const replaced = mutate(bytes, Bootstrap.parse(source));
        if (Buffer.isBuffer(replaced))
            bytes = replaced;
        if (options?.seal !== false)
            reseal(bytes);
        const err = t.throws(() => exercise(bytes), { instanceOf: MalformedBootstrapError });
        t.regex(err?.message ?? '', message);
    });
}
test('without the mark the same bytes are read as a Nydus bootstrap, by Nydus rules', (t) => {
    const bytes = Buffer.from(multi);
    bytes.fill(0, DARNER_MARK_OFFSET, DARNER_MARK_OFFSET + 64);
    const bs = exercise(bytes);
    t.is(bs.format, 'rafs-v6');
    t.is(bs.formatVersion, undefined);
});
test('the unmodified bootstraps pass the same full exercise', (t) => {
    t.is(exercise(basic).formatVersion, 2);
    t.is(exercise(multi).formatVersion, 2);
    for (const source of [basicMeta, multiMeta]) {
        const bs = exercise(source);
        t.true(bs.blobs.every((b) => b.chunkInfoOffset !== undefined && b.chunkInfoOffset + blobMetaSize(b.chunkCount) === b.compressedSize));
    }
});
//# sourceMappingURL=hostile-rafs.test.js.map