/**
 * Malformed bootstraps, one rule each: every one must fail with MalformedBootstrapError and a
 * message that says what is wrong and where. Checksums are recomputed after each mutation unless
 * the checksum itself is the subject, so the rule behind them is the one that fires.
 */
import test from 'ava';
import { MalformedBootstrapError } from '../../src/errors.js';
import { BLOB_RECORD_SIZE, Bootstrap, CHUNK_RECORD_SIZE, DARNER_HEADER_OFFSET, DEVICE_TABLE_OFFSET, DIRENT_SIZE, SUPERBLOCK_OFFSET, decodeDirent, decodeExtensionHeader, regionLayout, sealSuperblock, } from '../../src/format/index.js';
import { viewOf } from '../../src/format/bytes.js';
import { readV1Fixture } from './helpers/v1-fixture.js';
import { exercise, reseal } from './helpers/exercise.js';
// darner's own layout (format version 1) is no longer written but still read: its rules are
// checked on the committed v1 fixtures. RAFS v6 bootstraps: hostile-rafs.test.ts.
const basic = readV1Fixture('v1-basic.boot');
const multi = readV1Fixture('v1-multiblob.boot');
function context(source) {
    const bytes = Buffer.from(source);
    const bs = Bootstrap.parse(source);
    const nid = (path) => {
        let n = bs.rootNid;
        for (const name of path.split('/').filter(Boolean))
            n = bs.lookup(n, name);
        return n;
    };
    const inlineAt = (n) => {
        const loc = bs.image.locate(n);
        return loc.offset + loc.coreSize + loc.xattrSize;
    };
    return {
        bytes,
        view: viewOf(bytes),
        bs,
        nid,
        inlineAt,
        chunkIndexAt: (n) => Math.ceil(inlineAt(n) / 8) * 8,
        region: regionLayout(decodeExtensionHeader(bytes)),
        rootNid: bs.rootNid,
        flip(at, mask = 1) {
            this.bytes[at] = this.bytes[at] ^ mask;
        },
    };
}
const SB = SUPERBLOCK_OFFSET;
const HDR = DARNER_HEADER_OFFSET;
const cases = [
    // Whole image and superblock.
    ['tiny image', basic, (c) => void (c.bytes = c.bytes.subarray(0, 100)), /^image: 100 bytes, smaller than one 4096-byte block$/],
    ['bad magic', basic, (c) => c.view.setUint32(SB, 0x12345678, true), /^superblock: bad magic 0x12345678/],
    ['bad checksum', basic, (c) => c.flip(HDR + 0x50), /^superblock: checksum 0x[0-9a-f]+ does not match the computed 0x/, { seal: false }],
    ['checksum feature cleared', basic, (c) => c.view.setUint32(SB + 8, 0, true), /^superblock: checksum feature \(SB_CHKSUM\) is not set$/],
    ['block size', basic, (c) => void (c.bytes[SB + 0x0c] = 13), /^superblock: block size bits 13 not supported/],
    ['unknown incompat bit', basic, (c) => c.view.setUint32(SB + 0x50, 0x800c, true), /^superblock: unknown incompatible feature bits 0x8000$/],
    ['root nid out of range', basic, (c) => c.view.setUint16(SB + 0x0e, 0xffff, true), /^root inode 65535: offset 2097120 is outside the metadata area \(\d+ bytes\)$/],
    ['root nid is a file', basic, (c) => c.view.setUint16(SB + 0x0e, c.nid('/hello'), true), /^root inode \d+: is a file, not a directory$/],
    ['blocks field', basic, (c) => c.view.setUint32(SB + 0x24, 99, true), /^superblock: blocks 99 does not match the image size \(2 blocks\)$/],
    ['extra devices', multi, (c) => c.view.setUint16(SB + 0x56, 2, true), /^superblock: 2 extra devices but the darner header lists 3 blobs$/],
    ['device table moved', multi, (c) => c.view.setUint16(SB + 0x58, 9, true), /^superblock: device table slot offset 9/],
    // Darner header and region.
    ['darner magic', basic, (c) => void (c.bytes[HDR] = 0x58), /^darner header: bad magic "XARNERBT"/],
    ['darner version', basic, (c) => c.view.setUint16(HDR + 8, 2, true), /^darner header: format version 2 not supported \(this build reads 1\)$/],
    ['chunk size', basic, (c) => c.view.setUint32(HDR + 0x10, 12345, true), /^darner header: chunk size 12345 is not a power of two/],
    ['region offset past the end', basic, (c) => c.view.setUint32(HDR + 0x28, 1 << 20, true), /^darner header: region \[1048576, \d+\) is outside the image \(8192 bytes\)$/],
    ['region offset unaligned', basic, (c) => c.view.setUint32(HDR + 0x28, 4100, true), /^darner header: region offset 4100 is not block-aligned$/],
    ['region offset inside block 0', basic, (c) => c.view.setUint32(HDR + 0x28, 0, true), /^darner header: region \[0, \d+\) is outside the image/],
    ['region length', basic, (c) => c.view.setUint32(HDR + 0x1c, 1000, true), /^darner header: region length \d+ does not match its tables/],
    ['region checksum', basic, (c) => {
            c.flip(c.region.chunkTable + 40);
            sealSuperblock(c.bytes); // the header (with the old region checksum) is still sealed
        }, /^darner region: checksum 0x[0-9a-f]+ does not match the computed 0x/, { seal: false }],
    ['truncated by a block', multi, (c) => void (c.bytes = c.bytes.subarray(0, c.bytes.length - 4096)), /^darner header: region \[\d+, \d+\) is outside the image/],
    ['trailing garbage', basic, (c) => void (c.bytes = Buffer.concat([c.bytes, Buffer.alloc(4096, 1)])), /^image: 12288 bytes, but the region ends at \d+ \(expected 8192 bytes\)$/],
    // Blob and chunk tables.
    ['device tag', multi, (c) => c.flip(DEVICE_TABLE_OFFSET), /^blob table entry 0: device slot 0 has tag "[^"]+", not the blob id$/],
    ['device uniaddr', multi, (c) => c.view.setUint32(DEVICE_TABLE_OFFSET + 128 + 0x44, 3, true), /^blob table entry 1: device slot 1 has uniaddr 3 \(expected \d+\)$/],
    ['device blocks', multi, (c) => c.view.setUint32(DEVICE_TABLE_OFFSET + 0x40, 1, true), /^blob table entry 0: device slot 0 has 1 blocks but the blob spans \d+$/],
    ['blob chunk count', multi, (c) => c.view.setUint32(c.region.blobTable + 0x30, 99, true), /^blob table entry 0: chunk count 99 but the chunk table has \d+$/],
    ['chunk blob index', multi, (c) => c.view.setUint16(c.region.chunkTable, 7, true), /^chunk table entry 0: blob index 7 but the image has 3 blobs$/],
    ['chunk past blob size', multi, (c) => c.view.setUint32(c.region.chunkTable + 0x10, 1 << 24, true), /^chunk table entry 0: uncompressed range \[16777216, \+4096\) ends past the blob's \d+ bytes$/],
    ['chunk compressed past blob', multi, (c) => c.view.setUint32(c.region.chunkTable + 0x08, 1 << 24, true), /^chunk table entry 0: compressed range \[16777216, \+4096\) ends past the blob's \d+ bytes$/],
    ['chunk unaligned', multi, (c) => c.view.setUint32(c.region.chunkTable + 0x10, 100, true), /^chunk table entry 0: uncompressed offset 100 is not a multiple of 4096$/],
    ['chunk too big', basic, (c) => c.view.setUint32(c.region.chunkTable + 0x18, 1 << 20, true), /^chunk table entry 0: uncompressed size 1048576 exceeds the chunk size 65536$/],
    ['chunk unknown flag', basic, (c) => c.view.setUint16(c.region.chunkTable + 2, 0x80, true), /^chunk table entry 0: unknown flags 0x80$/],
    ['zstd chunk in an uncompressed image', multi, (c) => c.view.setUint16(c.region.chunkTable + 2, 1, true), /^chunk table entry 0: zstd-compressed in an image whose compressor is none$/],
    ['overlapping chunks', multi, (c) => {
            // Chunk 1 (blob 0) moved onto chunk 0, both in the compressed and uncompressed space.
            c.view.setUint32(c.region.chunkTable + CHUNK_RECORD_SIZE + 0x10, 0, true);
        }, /^chunk table: chunks 0 and 1 overlap in the uncompressed space of blob 0$/],
    ['overlapping stored chunks, out of order', multi, (c) => {
            // Chunk 0 stored 10 bytes after chunk 1 starts: the compressed order differs from the uncompressed one.
            const c1 = c.view.getUint32(c.region.chunkTable + CHUNK_RECORD_SIZE + 0x08, true);
            c.view.setUint32(c.region.chunkTable + 0x08, c1 + 10, true);
        }, /^chunk table: chunks 0 and 1 overlap in the compressed space of blob 0$/],
    ['prefetch of a directory', basic, (c) => c.view.setUint32(c.region.prefetchTable, c.nid('/etc'), true), /^prefetch entry 0: nid \d+ is a dir, not a regular file$/],
    ['prefetch out of range', basic, (c) => c.view.setUint32(c.region.prefetchTable, 1 << 30, true), /^prefetch entry 0: inode 1073741824: offset 34359738368 is outside the metadata area/],
    // Inodes.
    ['unknown file type', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/etc/hostname')).offset + 4, 0o170644, true), /^directory \d+ entry "hostname": inode \d+: mode 170644 has an unknown file type$/],
    ['compressed layout', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/etc/hostname')).offset, 0x02, true), /^directory \d+ entry "hostname": inode \d+: data layout 1 not supported/],
    ['format bit 4', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/hello')).offset, 0x18, true), /inode \d+: i_format 0x18 has unknown bits$/],
    ['flat file with data', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/hello')).offset, 0x00, true), /inode \d+: regular file with data must be chunk-based \(layout 0, size 6\)$/],
    ['huge chunk count', basic, (c) => c.view.setUint32(c.bs.image.locate(c.nid('/hello')).offset + 8, 0xffffffff, true), /inode \d+: chunk index of 65536 entries runs past the metadata area$/],
    ['symlink too long', basic, (c) => c.view.setUint32(c.bs.image.locate(c.nid('/etc/os-release')).offset + 8, 5000, true), /inode \d+: symlink target of 5000 bytes \(at most 4095\)$/],
    ['inline data across a block', basic, (c) => c.view.setUint32(c.bs.image.locate(c.nid('/etc/os-release')).offset + 8, 4000, true), /inode \d+: inline data \(4000 bytes at \d+\) crosses a block boundary$/],
    ['directory blocks outside', multi, (c) => c.view.setUint32(c.bs.image.locate(c.nid('/crowd')).offset + 0x10, 5000, true), /inode \d+: data blocks \[5000, \+\d\) lie outside the metadata area/],
    ['xattr icount 1', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/etc/passwd')).offset + 2, 1, true), /inode \d+: xattr icount 1 \(a header without entries\) is invalid$/],
    ['xattr overrun', basic, (c) => {
            const loc = c.bs.image.locate(c.nid('/etc/passwd'));
            c.view.setUint16(loc.offset + loc.coreSize + 12 + 2, 300, true); // first entry's value size
        }, /^inode \d+ xattrs: xattr entry at byte \d+ \(\d+ bytes\) overruns the xattr area$/],
    ['xattr unknown index', basic, (c) => {
            const loc = c.bs.image.locate(c.nid('/etc/passwd'));
            c.bytes[loc.offset + loc.coreSize + 12 + 1] = 5;
        }, /^inode \d+ xattrs: unknown xattr name index 5$/],
    // Directories.
    ['nameoff out of order', basic, (c) => {
            const at = c.inlineAt(c.nid('/etc'));
            c.view.setUint16(at + DIRENT_SIZE + 8, decodeDirent(c.bytes, at).nameoff, true);
        }, /^directory \d+ block 0: dirent 1: nameoff \d+ does not follow \d+$/],
    ['first nameoff too small', basic, (c) => c.view.setUint16(c.inlineAt(c.nid('/etc')) + 8, 8, true), /^directory \d+ block 0: first nameoff 8 is not a multiple of 12/],
    ['names out of order', basic, (c) => {
            // /usr holds ".", "..", "bin", "lib": turn "bin" into "zin".
            const at = c.inlineAt(c.nid('/usr'));
            c.bytes[at + decodeDirent(c.bytes, at + 2 * DIRENT_SIZE).nameoff] = 0x7a;
        }, /^directory \d+ block 0: name "lib" is out of order$/],
    ['"." elsewhere', basic, (c) => c.view.setUint32(c.inlineAt(c.nid('/usr')), c.rootNid, true), /^directory \d+ block 0: "\." points at \d+, not the directory itself$/],
    ['file type mismatch', basic, (c) => {
            const at = c.inlineAt(c.bs.rootNid);
            const hello = c.bs.image.rawDirEntries(c.bs.rootNid).findIndex((e) => e.name === 'hello');
            c.bytes[at + hello * DIRENT_SIZE + 10] = 2;
        }, /^directory \d+ entry "hello": has file type 2 but inode \d+ is a file$/],
    ['dirent nid out of range', basic, (c) => {
            const at = c.inlineAt(c.bs.rootNid);
            const hello = c.bs.image.rawDirEntries(c.bs.rootNid).findIndex((e) => e.name === 'hello');
            c.view.setUint32(at + hello * DIRENT_SIZE, 1 << 20, true);
        }, /^directory \d+ entry "hello": inode 1048576: offset 33554432 is outside the metadata area/],
    ['directory cycle', basic, (c) => {
            // /usr/bin's entry in /usr now names /usr itself: usr → bin (= usr) → ...
            const at = c.inlineAt(c.nid('/usr'));
            const bin = c.bs.image.rawDirEntries(c.nid('/usr')).findIndex((e) => e.name === 'bin');
            c.view.setUint32(at + bin * DIRENT_SIZE, c.nid('/usr'), true);
        }, /^directory \d+ at \/usr\/bin: reached twice \(a directory cycle or a hard-linked directory\)$/],
    ['entry naming the root', basic, (c) => {
            const at = c.inlineAt(c.nid('/usr'));
            const lib = c.bs.image.rawDirEntries(c.nid('/usr')).findIndex((e) => e.name === 'lib');
            c.view.setUint32(at + lib * DIRENT_SIZE, c.bs.rootNid, true);
        }, /^directory \d+ at \/usr\/lib: reached twice/],
    ['".." not the parent', basic, (c) => {
            const at = c.inlineAt(c.nid('/usr/bin'));
            const dotdot = c.bs.image.rawDirEntries(c.nid('/usr/bin')).findIndex((e) => e.name === '..');
            c.view.setUint32(at + dotdot * DIRENT_SIZE, c.bs.rootNid, true);
        }, /^directory \d+ at \/usr\/bin: "\.\." points at \d+, not the parent \d+$/],
    ['name not UTF-8', basic, (c) => {
            const at = c.inlineAt(c.bs.rootNid);
            const hello = c.bs.image.rawDirEntries(c.bs.rootNid).find((e) => e.name === 'hello');
            const index = c.bs.image.rawDirEntries(c.bs.rootNid).indexOf(hello);
            c.bytes[at + decodeDirent(c.bytes, at + index * DIRENT_SIZE).nameoff + 4] = 0xff;
        }, /^directory \d+ block 0: a name is not valid UTF-8$/],
    // Chunk indexes.
    ['chunk index names a missing device', basic, (c) => c.view.setUint16(c.chunkIndexAt(c.nid('/hello')) + 2, 9, true), /^inode \d+: chunk index 0 points at device 9 but the image has 1 blobs$/],
    ['chunk index names no chunk', basic, (c) => c.view.setUint32(c.chunkIndexAt(c.nid('/hello')) + 4, 12345, true), /^inode \d+: chunk index 0 points at block 12345 of blob 0, where no chunk starts$/],
    ['chunk index names a chunk of another length', basic, (c) => {
            const big = c.chunkIndexAt(c.nid('/usr/bin/tool'));
            c.bytes.copy(c.bytes, c.chunkIndexAt(c.nid('/hello')), big, big + 8);
        }, /^inode \d+: chunk index 0 names chunk \d+ of 65536 bytes for a 6-byte piece$/],
    ['chunk index advise', basic, (c) => c.view.setUint16(c.chunkIndexAt(c.nid('/hello')), 1, true), /^inode \d+: chunk index 0: advise field is 1 \(must be 0\)$/],
    ['chunk size of an inode', basic, (c) => c.view.setUint32(c.bs.image.locate(c.nid('/hello')).offset + 0x10, 0x21, true), /^inode \d+: chunk size 2\^13 differs from the image's 65536$/],
    // Link counts (checked by the full decode).
    ['nlink', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/usr/bin/tool')).offset + 6, 5, true), /^inode \d+: nlink 5 but 2 names in the tree$/],
    ['directory nlink', basic, (c) => c.view.setUint16(c.bs.image.locate(c.nid('/usr')).offset + 6, 9, true), /^directory \d+ at \/usr: nlink 9 but it has 2 subdirectories$/],
];
for (const [name, source, mutate, message, options] of cases) {
    test(`hostile: ${name}`, (t) => {
        const c = context(source);
        mutate(c);
        if (options?.seal !== false)
            reseal(c.bytes);
        const err = t.throws(() => exercise(c.bytes), { instanceOf: MalformedBootstrapError });
        t.regex(err?.message ?? '', message);
    });
}
test('chunks stored in another order than their uncompressed order are fine', (t) => {
    const c = context(multi);
    const at = (i) => c.region.chunkTable + i * CHUNK_RECORD_SIZE + 0x08;
    const first = c.view.getUint32(at(0), true);
    c.view.setUint32(at(0), c.view.getUint32(at(1), true), true);
    c.view.setUint32(at(1), first, true);
    reseal(c.bytes);
    t.notThrows(() => exercise(c.bytes));
});
test('hostile: the unmodified fixtures pass the same full exercise', (t) => {
    t.notThrows(() => exercise(basic));
    t.notThrows(() => exercise(multi));
    t.is(BLOB_RECORD_SIZE, 64);
});
//# sourceMappingURL=hostile.test.js.map