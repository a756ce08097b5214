/**
 * Nydus RAFS v6 bootstraps (test/fixtures/nydus-v6/merged.boot, written by nydus-image v2.4):
 * the reader decodes the whole tree as the kernel mounts it, and each hostile variant (truncated,
 * tables moved out of the image, records contradicting each other) fails with one
 * MalformedBootstrapError naming what is wrong.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MalformedBootstrapError } from '../../src/errors.js';
import { viewOf } from '../../src/format/bytes.js';
import { Bootstrap } from '../../src/format/index.js';
import { rafsV6Violations } from '../harness/rafs-v6-rules.js';
import { nydusExpected, nydusMergedBootstrap } from '../harness/nydus-fixture.js';
import { exercise } from './helpers/exercise.js';
import { readV1Fixture } from './helpers/v1-fixture.js';
const merged = nydusMergedBootstrap();
const exec = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const EXT = 0x480;
test('the merged Nydus bootstrap decodes to the tree of expected.json', (t) => {
    const bs = exercise(merged);
    t.is(bs.format, 'rafs-v6');
    t.is(bs.chunkSize, 1 << 20);
    t.is(bs.digestAlgorithm, 'blake3');
    t.is(bs.compressor, 'zstd');
    t.deepEqual(bs.blobs.map((b) => b.id), ['d5cf12e30786aae99eff6230b0ecabf0a5d4a9f65260c7ba495e221f826d338e', '779a250bd029ba7e2a569fbfe24a718555d054a8a365246092a7496bc75881b9']);
    t.is(bs.chunkCount, 173);
    const paths = new Map([...bs.walk()].map((e) => [e.path, e.nid]));
    const expected = nydusExpected();
    t.deepEqual([...paths.keys()].sort(), expected.map((e) => e.path).sort());
    for (const e of expected) {
        const info = bs.inode(paths.get(e.path));
        t.is(info.mode.toString(8), e.mode, e.path);
        t.is(info.uid, e.uid, e.path);
        t.is(info.gid, e.gid, e.path);
        if (e.type !== 'dir')
            t.is(info.size, e.type === 'symlink' ? Buffer.byteLength(e.target) : e.size, e.path);
        if (e.type === 'symlink')
            t.is(bs.readlink(info.nid), e.target, e.path);
        if (e.rdev !== undefined)
            t.deepEqual({ major: info.major, minor: info.minor }, e.rdev, e.path);
        t.deepEqual(Object.fromEntries([...bs.xattrs(info.nid)].map(([k, v]) => [k, Buffer.from(v).toString('utf8')])), e.xattrs, e.path);
    }
    t.is(paths.get('/hard-a.txt'), paths.get('/hard-b.txt'));
    // The prefetch table names the root: every regular file, once.
    t.is(bs.prefetchNids.length, new Set(expected.filter((e) => e.type === 'file').map((e) => paths.get(e.path))).size);
});
/** Offset of the chunk index of `path`'s inode (extended inode, no xattrs). */
function chunkIndexOf(path) {
    const bs = exercise(merged);
    const nid = [...bs.walk()].find((e) => e.path === path).nid;
    const ino = bs.image.locate(nid);
    return Math.ceil((ino.offset + ino.coreSize + ino.xattrSize) / 8) * 8;
}
const variants = [
    { name: 'truncated by a block', mutate: (b) => b.subarray(0, b.length - 4096), message: /chunk table \[73728, 87568\) is not block aligned between meta_blkaddr/ },
    { name: 'truncated mid-block', mutate: (b) => b.subarray(0, b.length - 100), message: /not a whole number of 4096-byte blocks/ },
    { name: 'truncated to block 0', mutate: (b) => b.subarray(0, 4096), message: /RAFS extended superblock|meta_blkaddr/ },
    { name: 'blob table offset past the end', mutate: (b) => (viewOf(b).setUint32(EXT + 0x08, 0x100000, true), b), message: /blob table \[1048576, 1049088\)/ },
    { name: 'blob table offset unaligned', mutate: (b) => (viewOf(b).setUint32(EXT + 0x08, 0x1010, true), b), message: /blob table .* is not block aligned/ },
    { name: 'chunk table offset past the end', mutate: (b) => (viewOf(b).setUint32(EXT + 0x18, 0x200000, true), b), message: /chunk table \[2097152,/ },
    { name: 'chunk table size not a record multiple', mutate: (b) => (viewOf(b).setUint32(EXT + 0x20, 81, true), b), message: /chunk table size 81 is not a multiple of 80/ },
    { name: 'prefetch table inside the metadata', mutate: (b) => (viewOf(b).setUint32(EXT + 0x28, 0x3000, true), b), message: /prefetch table \[12288, 12292\)/ },
    { name: 'two compressors', mutate: (b) => (viewOf(b).setUint32(EXT, 0x010001b5, true), b), message: /name 2 compressors/ },
    { name: 'encrypted', mutate: (b) => (viewOf(b).setUint32(EXT, 0x020001b4, true), b), message: /encrypted images are not supported/ },
    { name: 'device table moved', mutate: (b) => (viewOf(b).setUint16(0x458, 10, true), b), message: /device table slot offset 10/ },
    { name: 'blob index out of place', mutate: (b) => (viewOf(b).setUint32(0x1000 + 0x40, 1, true), b), message: /blob table entry 0: blob_index 1 at position 0/ },
    { name: 'blob chunk size', mutate: (b) => (viewOf(b).setUint32(0x1000 + 0x44, 0x200000, true), b), message: /chunk size 2097152 differs/ },
    { name: 'device slot size', mutate: (b) => (viewOf(b).setUint32(0x580 + 0x40, 5, true), b), message: /device slot 0 has 5 blocks/ },
    { name: 'chunk record past its blob', mutate: (b) => (viewOf(b).setUint32(0x12000 + 0x30, 0x7fffffff, true), b), message: /chunk table entry 0: compressed range/ },
    { name: 'chunk record ci index past its blob', mutate: (b) => (viewOf(b).setUint32(0x12000 + 0x48, 5000, true), b), message: /chunk-info index 5000 but blob/ },
    {
        name: 'chunk index entry names another chunk-info index',
        mutate: (b) => (viewOf(b).setUint16(chunkIndexOf('/one-mib.bin'), 99, true), b),
        message: /chunk index 0 names chunk-info 99/,
    },
    {
        name: 'contiguous file whose entries are not contiguous',
        mutate: (b) => {
            const at = chunkIndexOf('/contiguous-2.5m.bin');
            viewOf(b).setUint32(at + 8 + 4, viewOf(b).getUint32(at + 4, true), true);
            return b;
        },
        message: /chunk index 1 does not continue entry 0/,
    },
    {
        name: 'chunk index entry device past the blobs',
        mutate: (b) => (viewOf(b).setUint8(chunkIndexOf('/one-mib.bin') + 2, 3), b),
        message: /points at device 3 but the image has 2 blobs/,
    },
];
for (const v of variants) {
    test(`hostile Nydus bootstrap: ${v.name}`, (t) => {
        const bytes = v.mutate(Buffer.from(merged));
        const err = t.throws(() => exercise(bytes), { instanceOf: MalformedBootstrapError });
        t.regex(err?.message ?? '', v.message);
    });
}
test('darner inspect of a truncated Nydus bootstrap: one readable line and exit code 1', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-nydus-cli-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'truncated.boot');
    writeFileSync(file, merged.subarray(0, merged.length - 4096));
    const result = await exec(process.execPath, [CLI, 'inspect', file], { timeout: 120_000 }).then(() => ({ code: 0, stderr: '' }), (err) => err);
    t.is(result.code, 1);
    t.deepEqual(result.stderr.trim().split('\n'), ['darner: RAFS extended superblock: chunk table [73728, 87568) is not block aligned between meta_blkaddr (8192) and the end of the image (86016) [MALFORMED_BOOTSTRAP]']);
});
test('a malformed inode below a prefetched directory shortens the prefetch list, and only its reads fail', (t) => {
    const bs = exercise(merged);
    const nid = [...bs.walk()].find((e) => e.path === '/bigdir/f150').nid;
    const bytes = Buffer.from(merged);
    bytes[bs.image.inodeOffset(nid)] = 0xff; // unknown i_format bits
    const broken = Bootstrap.parse(bytes);
    const prefetch = broken.prefetchNids;
    t.true(prefetch.length > 0 && prefetch.length < bs.prefetchNids.length, `${prefetch.length} of ${bs.prefetchNids.length}`);
    t.throws(() => [...broken.walk()], { instanceOf: MalformedBootstrapError, message: /i_format 0x[0-9a-f]+ has unknown bits/ });
});
test('RAFS v6 structural rules: the Nydus bootstrap keeps them all; darner v1 bootstraps break those the format page lists', (t) => {
    t.deepEqual(rafsV6Violations(merged), []);
    // darner's own layout (v1, still read): these are the rules it breaks. The writer's output: rafs-rules.test.ts.
    const darner = rafsV6Violations(readV1Fixture('v1-multiblob.boot'));
    t.log(darner.join('\n'));
    for (const expected of [/superblock: checksum is \d+, must be 0/, /feature_compat lacks RAFS_V6/, /devt_slotoff 10, must be 11/]) {
        t.true(darner.some((v) => expected.test(v)), String(expected));
    }
});
//# sourceMappingURL=nydus-v6.test.js.map