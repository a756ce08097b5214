/** One record, one codec: encode/decode round trips and the message of every validate() rule. */
import test from 'ava';
import { MalformedBootstrapError } from '../../src/errors.js';
import { BLOB_RECORD_SIZE, CHUNK_FLAG_ZSTD, CHUNK_RECORD_SIZE, DARNER_HEADER_SIZE, DEVICE_SLOT_SIZE, EROFS_MAGIC, HOLE_ENTRY, NULL_ADDR, S_IFCHR, S_IFDIR, S_IFREG, SUPERBLOCK_OFFSET, chunkFormatFor, decodeBlobRecord, decodeChunkFormat, decodeChunkIndexEntry, decodeChunkRecord, decodeDeviceSlot, decodeDirectoryBlock, decodeDirent, decodeExtensionHeader, decodeInode, decodePrefetchEntry, decodeRdev, decodeSuperblock, decodeXattrIbody, encodeBlobRecord, encodeChunkIndexEntry, encodeChunkRecord, encodeDeviceSlot, encodeDirectoryBlock, encodeDirent, encodeExtensionHeader, encodeInode, encodePrefetchEntry, encodeRdev, encodeSuperblock, encodeXattrIbody, makeXattrEntry, planDirectoryBlocks, sealSuperblock, splitXattrName, superblockChecksum, validateBlobRecord, validateChunkInBlob, validateChunkIndexEntry, validateChunkRecord, validateDeviceSlot, validateDirent, validateExtensionHeader, validateInode, validateSuperblock, validateXattrEntry, } from '../../src/format/index.js';
const superblock = {
    magic: EROFS_MAGIC,
    checksum: 0,
    featureCompat: 1,
    blkszbits: 12,
    sbExtslots: 0,
    rootNid: 41,
    inos: 284,
    buildTime: 1795398385,
    buildTimeNsec: 789,
    blocks: 10,
    metaBlkaddr: 0,
    xattrBlkaddr: 0,
    uuid: new Uint8Array(16).fill(7),
    volumeName: new Uint8Array(16),
    featureIncompat: 0xc,
    comprAlgs: 0,
    extraDevices: 1,
    devtSlotoff: 9,
    dirblkbits: 0,
};
test('superblock: round trip at byte 1024', (t) => {
    const image = new Uint8Array(4096);
    encodeSuperblock(superblock, image);
    t.deepEqual(decodeSuperblock(image, SUPERBLOCK_OFFSET), superblock);
    t.deepEqual([...image.subarray(1024, 1028)], [0xe2, 0xe1, 0xf5, 0xe0]);
    t.is(validateSuperblock(superblock), undefined);
});
test('superblock: validate names each rule', (t) => {
    const bad = (patch) => validateSuperblock({ ...superblock, ...patch });
    t.is(bad({ magic: 0x12345678 }), 'bad magic 0x12345678 (expected 0xe0f5e1e2)');
    t.regex(bad({ blkszbits: 13 }), /block size bits 13 not supported/);
    t.regex(bad({ sbExtslots: 1 }), /extension slots 1/);
    t.regex(bad({ dirblkbits: 1 }), /directory block bits 1/);
    t.is(bad({ featureIncompat: 0x800c }), 'unknown incompatible feature bits 0x8000');
    t.regex(bad({ featureIncompat: 0x2 }), /unknown incompatible feature bits 0x2/);
    t.regex(bad({ buildTimeNsec: 1e9 }), /nanoseconds/);
    t.regex(bad({ inos: 2 ** 60 }), /inode count/);
});
test('superblock: checksum covers 1024..4095 with the field as zero, and sealing stores it', (t) => {
    const image = new Uint8Array(4096);
    encodeSuperblock(superblock, image);
    const before = superblockChecksum(image);
    sealSuperblock(image);
    t.is(decodeSuperblock(image).checksum, before, 'the stored checksum does not change the checksum');
    t.is(superblockChecksum(image), before);
    image[4095] ^= 1;
    t.not(superblockChecksum(image), before, 'the last byte of block 0 is covered');
    image[4095] ^= 1;
    image[1000] ^= 1;
    t.is(superblockChecksum(image), before, 'bytes before the superblock are not covered');
});
test('device slot: round trip and rules', (t) => {
    const buf = new Uint8Array(DEVICE_SLOT_SIZE + 8);
    const slot = { tag: 'a'.repeat(64), blocks: 12, uniaddr: 34 };
    encodeDeviceSlot(slot, buf, 8);
    t.deepEqual(decodeDeviceSlot(buf, 8), slot);
    t.is(buf[8 + 0x40], 12);
    encodeDeviceSlot({ tag: 'short', blocks: 1, uniaddr: 0 }, buf, 8);
    t.is(decodeDeviceSlot(buf, 8).tag, 'short');
    t.is(validateDeviceSlot(slot), undefined);
    t.regex(validateDeviceSlot({ ...slot, tag: 'x'.repeat(65) }), /65 characters/);
    t.regex(validateDeviceSlot({ ...slot, tag: 'bad\x01' }), /printable/);
});
const compact = {
    format: 0x04,
    xattrIcount: 0,
    mode: S_IFDIR | 0o755,
    reserved: 0,
    nlink: 3,
    size: 482,
    mtime: 0,
    mtimeNsec: 0,
    u: NULL_ADDR,
    ino: 5,
    uid: 1,
    gid: 2,
};
const extended = {
    format: 0x09,
    xattrIcount: 2,
    mode: S_IFREG | 0o4755,
    reserved: 0,
    nlink: 70000,
    size: 2 ** 40,
    mtime: -1234567890,
    mtimeNsec: 999999999,
    u: 0x28,
    ino: 9,
    uid: 70000,
    gid: 0xfffffffe,
};
test('inode: compact and extended round trips', (t) => {
    const buf = new Uint8Array(128);
    encodeInode(compact, buf, 0);
    encodeInode(extended, buf, 64);
    t.deepEqual(decodeInode(buf, 0), compact);
    t.deepEqual(decodeInode(buf, 64), extended);
    t.is(validateInode(compact), undefined);
    t.is(validateInode(extended), undefined);
    // i_format, i_mode as in the EROFS fact sheet: 0500 0000 ed41 for a root directory.
    t.deepEqual([...buf.subarray(0, 6)], [0x04, 0x00, 0x00, 0x00, 0xed, 0x41]);
});
test('inode: validate names each rule', (t) => {
    const bad = (patch, base = extended) => validateInode({ ...base, ...patch });
    t.is(bad({ format: 0x19 }), 'i_format 0x19 has unknown bits');
    t.is(bad({ format: 0x03 }), 'data layout 1 not supported (compressed or undefined)');
    t.is(bad({ format: 0x0b }), 'data layout 5 not supported (compressed or undefined)');
    t.is(bad({ mode: 0o170644 }), 'mode 170644 has an unknown file type');
    t.is(bad({ xattrIcount: 1 }), 'xattr icount 1 (a header without entries) is invalid');
    t.is(bad({ reserved: 1 }), 'reserved field at +6 is 1 (must be 0)');
    t.is(bad({ mtimeNsec: 1e9 }), 'mtime nanoseconds 1000000000 out of range');
    t.is(bad({ nlink: 70000 }, compact), 'nlink 70000 out of range');
    t.is(bad({ uid: 70000 }, compact), 'uid/gid out of range');
    t.is(bad({ size: 2 ** 32 }, compact), 'size 4294967296 out of range');
    t.is(bad({ mtimeNsec: 5 }, compact), 'compact inode cannot hold mtime nanoseconds');
});
test('inode: rdev encoding matches Linux new_encode_dev', (t) => {
    t.is(encodeRdev(8, 17), 0x811);
    t.is(encodeRdev(259, 300000), 0x493103e0);
    for (const [major, minor] of [[0, 0], [1, 3], [8, 17], [259, 300000], [4095, 1048575], [255, 256]]) {
        t.deepEqual(decodeRdev(encodeRdev(major, minor)), { major, minor });
    }
    const buf = new Uint8Array(32);
    encodeInode({ ...compact, format: 0, mode: S_IFCHR | 0o600, size: 0, u: encodeRdev(259, 300000) }, buf, 0);
    t.deepEqual(decodeRdev(decodeInode(buf, 0).u), { major: 259, minor: 300000 });
});
test('xattr: names split into index and suffix', (t) => {
    t.deepEqual(splitXattrName('user.a'), { index: 1, suffix: 'a' });
    t.deepEqual(splitXattrName('trusted.overlay.opaque'), { index: 4, suffix: 'overlay.opaque' });
    t.deepEqual(splitXattrName('security.capability'), { index: 6, suffix: 'capability' });
    t.deepEqual(splitXattrName('system.posix_acl_access'), { index: 2, suffix: '' });
    t.deepEqual(splitXattrName('system.posix_acl_default'), { index: 3, suffix: '' });
    t.is(splitXattrName('system.posix_acl_accessX'), undefined);
    t.is(splitXattrName('lustre.x'), undefined);
});
test('xattr: ibody layout matches the kernel example and round trips', (t) => {
    const { bytes, icount } = encodeXattrIbody([makeXattrEntry('user.a', Buffer.from('b'))]);
    // 12-byte header, then `01 01 0100 'a' 'b' 00 00`.
    t.is(icount, 3);
    t.deepEqual([...bytes.subarray(12)], [1, 1, 1, 0, 0x61, 0x62, 0, 0]);
    const entries = [
        makeXattrEntry('security.capability', Buffer.from([1, 0, 0, 2])),
        makeXattrEntry('system.posix_acl_access', Buffer.from([2, 0, 0, 0])),
        makeXattrEntry('user.empty', new Uint8Array(0)),
    ];
    const enc = encodeXattrIbody(entries);
    const dec = decodeXattrIbody(enc.bytes, 0, enc.icount);
    t.deepEqual(dec.sharedIds, []);
    t.deepEqual(dec.entries.map((e) => [e.nameIndex, Buffer.from(e.nameSuffix).toString(), Buffer.from(e.value).toString('hex')]), [[6, 'capability', '01000002'], [2, '', '02000000'], [1, 'empty', '']]);
    t.deepEqual(encodeXattrIbody([]), { bytes: new Uint8Array(0), icount: 0 });
});
test('xattr: decode rejects overruns and icount 1; validate names each rule', (t) => {
    const { bytes, icount } = encodeXattrIbody([makeXattrEntry('user.a', Buffer.from('bcd'))]);
    const v = new DataView(bytes.buffer);
    v.setUint16(14, 100, true); // value size past the ibody
    t.throws(() => decodeXattrIbody(bytes, 0, icount), { instanceOf: MalformedBootstrapError, message: /overruns the xattr area/ });
    t.throws(() => decodeXattrIbody(bytes, 0, 1), { message: /icount 1/ });
    bytes[4] = 9; // nine shared ids in a 20-byte ibody
    t.throws(() => decodeXattrIbody(bytes, 0, icount), { message: /9 shared ids but has room for 2/ });
    const e = makeXattrEntry('user.x', new Uint8Array(1));
    t.is(validateXattrEntry(e), undefined);
    t.is(validateXattrEntry({ ...e, nameIndex: 5 }), 'unknown xattr name index 5');
    t.is(validateXattrEntry({ ...e, nameSuffix: new Uint8Array(0) }), 'xattr user. has an empty name');
    t.is(validateXattrEntry({ ...e, nameIndex: 2 }), 'POSIX ACL xattr with a name suffix');
    t.regex(validateXattrEntry({ ...e, nameSuffix: new Uint8Array(256).fill(0x61) }), /256 bytes/);
    t.is(validateXattrEntry({ ...e, nameSuffix: Buffer.from([0x61, 0]) }), 'xattr name contains NUL');
    t.is(validateXattrEntry({ ...e, nameSuffix: Buffer.from([0xff]) }), 'xattr name is not valid UTF-8');
});
test('dirent: round trip and rules', (t) => {
    const buf = new Uint8Array(12);
    encodeDirent({ nid: 59, nameoff: 300, fileType: 1 }, buf, 0);
    // The fact sheet's first root dirent: 3b00000000000000 2c01 01 00.
    t.is(Buffer.from(buf).toString('hex'), '3b000000000000002c010100');
    t.deepEqual(decodeDirent(buf, 0), { nid: 59, nameoff: 300, fileType: 1 });
    t.is(validateDirent({ nid: 1, nameoff: 12, fileType: 8 }), 'unknown file type 8');
    t.is(validateDirent({ nid: 2 ** 60, nameoff: 12, fileType: 1 }), 'nid does not fit in 53 bits');
});
test('directory block: encode/decode round trip and packing', (t) => {
    const names = ['.', '..', 'a', 'bb', 'ccc'].map((n) => Buffer.from(n));
    const block = encodeDirectoryBlock(names.map((name, i) => ({ name, nid: 100 + i, fileType: 2 })));
    t.is(block.length, 5 * 12 + 1 + 2 + 1 + 2 + 3);
    const dec = decodeDirectoryBlock(block, 0, block.length);
    t.deepEqual(dec.map((e) => [Buffer.from(e.name).toString(), e.nid]), [['.', 100], ['..', 101], ['a', 102], ['bb', 103], ['ccc', 104]]);
    // The last name ends at the first NUL of a padded block.
    const padded = new Uint8Array(4096);
    padded.set(block);
    t.is(Buffer.from(decodeDirectoryBlock(padded, 0, 4096)[4].name).toString(), 'ccc');
    // 263 entries of mixed names → two blocks like mkfs (133 + 130 in the fact sheet's bigdir).
    const lengths = Array.from({ length: 300 }, () => 20);
    const plan = planDirectoryBlocks(lengths);
    t.deepEqual(plan.blockStarts, [0, 128, 256]);
    t.is(plan.size, 2 * 4096 + 44 * 32);
});
test('directory block: every per-block rule has its message', (t) => {
    const make = () => encodeDirectoryBlock(['a', 'b'].map((n, i) => ({ name: Buffer.from(n), nid: i + 1, fileType: 1 })));
    const setNameoff = (b, i, v) => new DataView(b.buffer).setUint16(i * 12 + 8, v, true);
    let b = make();
    setNameoff(b, 0, 8);
    t.throws(() => decodeDirectoryBlock(b, 0, b.length), { message: /first nameoff 8 is not a multiple of 12/ });
    b = make();
    setNameoff(b, 0, 25);
    t.throws(() => decodeDirectoryBlock(b, 0, b.length), { message: /first nameoff 25/ });
    b = make();
    setNameoff(b, 1, 24);
    t.throws(() => decodeDirectoryBlock(b, 0, b.length), { message: /dirent 1: nameoff 24 does not follow 24/ });
    b = make();
    setNameoff(b, 1, 30);
    t.throws(() => decodeDirectoryBlock(b, 0, b.length), { message: /dirent 1: nameoff 30 is past the block's 26 bytes/ });
    b = make();
    b[24] = 0;
    t.throws(() => decodeDirectoryBlock(b, 0, b.length), { message: /dirent 0: name contains NUL/ });
    b = make();
    b[25] = 0;
    t.throws(() => decodeDirectoryBlock(b, 0, b.length), { message: /dirent 1: empty name/ });
    t.throws(() => decodeDirectoryBlock(new Uint8Array(8), 0, 8), { message: /cannot hold a dirent/ });
    t.throws(() => decodeDirectoryBlock(new Uint8Array(8), 0, 100), { message: /runs past the end/ });
    const long = encodeDirectoryBlock([{ name: new Uint8Array(300).fill(0x61), nid: 1, fileType: 1 }]);
    t.throws(() => decodeDirectoryBlock(long, 0, long.length), { message: /name is 300 bytes/ });
});
test('chunk index: entries, holes, format', (t) => {
    const buf = new Uint8Array(16);
    encodeChunkIndexEntry({ advise: 0, deviceId: 1, blkaddr: 641 }, buf, 0);
    encodeChunkIndexEntry(HOLE_ENTRY, buf, 8);
    // The fact sheet's chunk1 entry: 0000 0100 81020000.
    t.is(Buffer.from(buf.subarray(0, 8)).toString('hex'), '0000010081020000');
    t.deepEqual(decodeChunkIndexEntry(buf, 0), { advise: 0, deviceId: 1, blkaddr: 641 });
    t.deepEqual(decodeChunkIndexEntry(buf, 8), { ...HOLE_ENTRY });
    t.is(validateChunkIndexEntry({ advise: 3, deviceId: 1, blkaddr: 0 }), 'advise field is 3 (must be 0)');
    t.is(validateChunkIndexEntry({ advise: 0, deviceId: 2, blkaddr: NULL_ADDR }), 'hole with device 2 (must be 0)');
    t.is(chunkFormatFor(1 << 20), 0x28);
    t.is(chunkFormatFor(4096), 0x20);
    t.deepEqual(decodeChunkFormat(0x28), { chunkBits: 20 });
    t.deepEqual(decodeChunkFormat(0x08), { problem: 'chunk format 0x8 is a block map (8-byte indexes required)' });
    t.deepEqual(decodeChunkFormat(0x68), { problem: 'chunk format 0x68 has unknown bits' });
});
const header = {
    magic: 'DARNERBT',
    version: 1,
    headerSize: DARNER_HEADER_SIZE,
    flags: 0,
    chunkSize: 1 << 20,
    digestCode: 1,
    compressorCode: 1,
    checksumCode: 1,
    blobCount: 2,
    chunkCount: 3,
    prefetchCount: 1,
    regionChecksum: 0xdeadbeef,
    regionOffset: 8192,
    regionLength: 2 * 64 + 3 * 64 + 8,
};
test('darner header: round trip in block 0 after the superblock, and rules', (t) => {
    const image = new Uint8Array(4096);
    encodeExtensionHeader(header, image);
    t.is(Buffer.from(image.subarray(0x480, 0x488)).toString(), 'DARNERBT');
    t.deepEqual(decodeExtensionHeader(image), header);
    t.is(validateExtensionHeader(header), undefined);
    const bad = (patch) => validateExtensionHeader({ ...header, ...patch });
    t.is(bad({ magic: 'DARNERBX' }), 'bad magic "DARNERBX" (expected "DARNERBT")');
    t.is(bad({ version: 2 }), 'format version 2 not supported (this build reads 1)');
    t.is(bad({ headerSize: 64 }), 'header size 64 (expected 128)');
    t.is(bad({ flags: 4 }), 'unknown flags 0x4');
    t.regex(bad({ chunkSize: 3 << 20 }), /chunk size 3145728 is not a power of two/);
    t.regex(bad({ chunkSize: 32 << 20 }), /chunk size 33554432/);
    t.is(bad({ digestCode: 9 }), 'unknown digest algorithm 9');
    t.is(bad({ compressorCode: 9 }), 'unknown compressor 9');
    t.is(bad({ checksumCode: 2 }), 'unknown region checksum algorithm 2');
    t.regex(bad({ blobCount: 70000 }), /blob count 70000 exceeds 65535/);
    t.is(bad({ regionOffset: 8000 }), 'region offset 8000 is not block-aligned');
    t.regex(bad({ regionLength: 10 }), /region length 10 does not match its tables \(328 bytes/);
});
const blob = { id: 'ab'.repeat(32), compressedSize: 5000, uncompressedSize: 2 ** 33, chunkCount: 7 };
test('blob record: round trip and rules', (t) => {
    const buf = new Uint8Array(BLOB_RECORD_SIZE);
    encodeBlobRecord(blob, buf, 0);
    t.deepEqual(decodeBlobRecord(buf, 0), blob);
    t.is(validateBlobRecord(blob), undefined);
    t.regex(validateBlobRecord({ ...blob, id: 'AB'.repeat(32) }), /not 64 lowercase hex/);
    t.regex(validateBlobRecord({ ...blob, compressedSize: -1 }), /compressed size -1/);
    t.regex(validateBlobRecord({ ...blob, uncompressedSize: 2 ** 45 }), /32-bit block addresses/);
    t.regex(validateBlobRecord({ ...blob, chunkCount: 2 ** 32 }), /chunk count/);
});
const chunk = {
    blobIndex: 1,
    compressedOffset: 2 ** 34 + 5,
    compressedSize: 300,
    uncompressedOffset: 2 ** 35,
    uncompressedSize: 1 << 20,
    flags: CHUNK_FLAG_ZSTD,
    digest: new Uint8Array(32).fill(9),
};
test('chunk record: round trip and rules', (t) => {
    const buf = new Uint8Array(CHUNK_RECORD_SIZE);
    encodeChunkRecord(chunk, buf, 0);
    t.deepEqual(decodeChunkRecord(buf, 0), chunk);
    const cs = 1 << 20;
    t.is(validateChunkRecord(chunk, cs), undefined);
    const bad = (patch) => validateChunkRecord({ ...chunk, ...patch }, cs);
    t.is(bad({ flags: 6 }), 'unknown flags 0x6');
    t.is(bad({ uncompressedOffset: 100 }), 'uncompressed offset 100 is not a multiple of 4096');
    t.is(bad({ uncompressedSize: 0 }), 'uncompressed size is 0');
    t.is(bad({ uncompressedSize: cs + 1 }), 'uncompressed size 1048577 exceeds the chunk size 1048576');
    t.is(bad({ compressedSize: 0 }), 'compressed size is 0');
    t.is(bad({ flags: 0 }), 'stored raw but compressed size 300 ≠ uncompressed size 1048576');
    t.is(bad({ compressedSize: cs + 1 }), 'compressed size 1048577 exceeds the chunk size 1048576');
    t.is(bad({ digest: new Uint8Array(20) }), 'digest is 20 bytes (expected 32)');
    t.is(bad({ compressedOffset: 2 ** 53 }), 'offset is not a 53-bit integer');
    t.regex(validateChunkInBlob(chunk, { compressedSize: 2 ** 34, uncompressedSize: 2 ** 36 }), /compressed range .* ends past the blob's/);
    t.regex(validateChunkInBlob(chunk, { compressedSize: 2 ** 35, uncompressedSize: 2 ** 35 }), /uncompressed range .* ends past/);
});
test('prefetch entry: round trip', (t) => {
    const buf = new Uint8Array(8);
    encodePrefetchEntry(2 ** 40 + 3, buf, 0);
    t.is(decodePrefetchEntry(buf, 0), 2 ** 40 + 3);
});
test('decoders refuse to read past the end instead of throwing RangeError', (t) => {
    const tiny = new Uint8Array(10);
    for (const decode of [decodeSuperblock, decodeInode, decodeDirent, decodeChunkRecord, decodeBlobRecord, decodeDeviceSlot, decodeExtensionHeader, decodeChunkIndexEntry]) {
        t.throws(() => decode(tiny, 4), { instanceOf: MalformedBootstrapError, message: /runs past the end/ });
    }
    // An extended inode whose second half is missing.
    const half = new Uint8Array(40);
    half[0] = 1;
    t.throws(() => decodeInode(half, 0), { message: /extended inode .* runs past the end/ });
});
//# sourceMappingURL=records.test.js.map