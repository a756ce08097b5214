/** model → writeBootstrap → Bootstrap.parse → toMetadata gives the model back, byte-identically written. */
import test from 'ava';
import { InvalidImageMetadataError } from '../../src/errors.js';
import { BLOCK_SIZE, Bootstrap, DATALAYOUT_CHUNK_BASED, DATALAYOUT_FLAT_INLINE, DATALAYOUT_FLAT_PLAIN, FEATURE_COMPAT_RAFS_V6, FEATURE_INCOMPAT_CHUNKED_FILE, FEATURE_INCOMPAT_DEVICE_TABLE, HOLE, datalayoutOf, isExtended, writeBootstrap, } from '../../src/format/index.js';
import { canonical, paths } from './helpers/canonical.js';
import { ModelBuilder, dir, file, special, symlink } from './helpers/model-builder.js';
import { RICH_BUILD_TIME, richModel } from './helpers/rich-model.js';
function nidOf(bs, path) {
    let nid = bs.rootNid;
    for (const name of path.split('/').filter(Boolean)) {
        const next = bs.lookup(nid, name);
        if (next === undefined)
            throw new Error(`${path}: ${name} not found`);
        nid = next;
    }
    return nid;
}
for (const chunkSize of [4096, 16384, 1 << 20]) {
    test(`rich tree round trips with ${chunkSize}-byte chunks`, (t) => {
        const meta = richModel(chunkSize);
        const bytes = writeBootstrap(meta);
        const bs = Bootstrap.parse(bytes);
        const back = bs.toMetadata();
        t.deepEqual(canonical(back), canonical(meta));
        // Hard links come back as one node object.
        const links = back.root.entries.get('links');
        t.is(links.entries.get('hard-1'), links.entries.get('hard-2'));
        t.is(links.entries.get('sym-1'), links.entries.get('nested').entries.get('sym-2'));
        t.is(links.entries.get('fifo-1'), links.entries.get('nested').entries.get('fifo-2'));
        // And writing the decoded model gives the same bytes.
        t.true(writeBootstrap(back).equals(bytes));
    });
}
test('output is deterministic and independent of Map insertion order', (t) => {
    const a = writeBootstrap(richModel());
    const b = writeBootstrap(richModel());
    t.true(a.equals(b));
    const reversed = richModel();
    const reverse = (node) => {
        node.xattrs = new Map([...node.xattrs].reverse());
        if (node.kind !== 'dir')
            return;
        node.entries = new Map([...node.entries].reverse());
        for (const child of new Set(node.entries.values()))
            reverse(child);
    };
    reverse(reversed.root);
    t.true(writeBootstrap(reversed).equals(a));
});
test('superblock, device table and layout follow the format decisions', (t) => {
    const meta = richModel();
    const bytes = writeBootstrap(meta);
    const bs = Bootstrap.parse(bytes);
    const sb = bs.image.superblock;
    t.is(sb.featureCompat, FEATURE_COMPAT_RAFS_V6, 'RAFS v6, no superblock checksum');
    t.is(sb.checksum, 0);
    t.is(sb.featureIncompat, FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE);
    t.is(sb.extraDevices, 3);
    t.is(sb.devtSlotoff, 11);
    t.is(sb.buildTime, RICH_BUILD_TIME);
    t.is(sb.inos, new Set(paths(meta).map(([, n]) => n)).size);
    t.is(bs.rootNid, 128, 'the root one block after meta_blkaddr, as nydus-image places it');
    t.is(sb.metaBlkaddr, 2, 'block 1 holds the blob and prefetch tables');
    t.is(bs.formatVersion, 2);
    let uniaddr = bytes.length / BLOCK_SIZE;
    bs.image.devices.forEach((slot, i) => {
        t.is(slot.tag, meta.blobs[i].id);
        t.is(slot.blocks, Math.ceil(meta.blobs[i].uncompressedSize / 4096));
        t.is(slot.uniaddr, uniaddr, 'mapped_blkaddr: the flat image address');
        uniaddr += slot.blocks;
    });
    t.is(sb.blocks, uniaddr - bytes.length / BLOCK_SIZE, 'blocks: the blobs, as nydus-image writes it');
    const layout = (path) => {
        const nid = nidOf(bs, path);
        const rec = bs.image.locate(nid).record;
        return { extended: isExtended(rec.format), layout: datalayoutOf(rec.format), nid };
    };
    for (const { path } of bs.walk())
        t.true(layout(path).extended, `${path}: every inode extended, as nydus-image writes them`);
    t.is(layout('/sizes/one').layout, DATALAYOUT_CHUNK_BASED);
    t.is(layout('/sizes/empty').layout, DATALAYOUT_CHUNK_BASED, 'empty files are chunk-based without entries, as in Nydus');
    t.is(layout('/links/short').layout, DATALAYOUT_FLAT_INLINE);
    t.is(layout('/links/longest').layout, DATALAYOUT_FLAT_PLAIN, 'a 4095-byte target cannot be inline');
    t.is(layout('/sizes').layout, DATALAYOUT_FLAT_INLINE);
    t.is(bs.inode(layout('/exact').nid).size, 4096);
    t.is(layout('/exact').layout, DATALAYOUT_FLAT_PLAIN, 'a whole block of dirents cannot be inline');
    t.is(bs.inode(layout('/bigdir').nid).size > 2 * 4096, true);
    t.is(bs.inode(bs.rootNid).nlink, 2 + 11);
    t.is(bs.inode(layout('/links/hard-1').nid).nlink, 3);
    t.is(bs.inode(layout('/links/sym-1').nid).nlink, 2);
    // Every inode record stays within its block except long chunk indexes and huge xattrs.
    for (const { nid } of bs.walk()) {
        const loc = bs.image.locate(nid);
        t.true((loc.offset % 4096) + loc.coreSize <= 4096);
    }
});
test('readdir, lookup, readlink, xattrs, fileChunks and prefetch answer like the model', (t) => {
    const meta = richModel();
    const bs = Bootstrap.parse(writeBootstrap(meta));
    const root = bs.readdir(bs.rootNid).map((e) => e.name);
    t.deepEqual(root, [...root].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    t.false(root.includes('.'));
    const order = bs.readdir(nidOf(bs, '/order')).map((e) => e.name);
    t.deepEqual(order, ['!bang', '+plus', '-dash', '.hidden', 'Zupper', 'naïve-é', '🦀']);
    t.is(bs.lookup(bs.rootNid, '.'), undefined);
    t.is(bs.lookup(bs.rootNid, 'nope'), undefined);
    t.is(bs.lookup(nidOf(bs, '/bigdir'), 'x'.repeat(255)), nidOf(bs, '/bigdir/' + 'x'.repeat(255)));
    t.is(bs.readlink(nidOf(bs, '/links/longest')), 'p'.repeat(4095));
    t.is(bs.readdir(nidOf(bs, '/dev')).find((e) => e.name === 'wide')?.kind, 'chardev');
    const wide = bs.inode(nidOf(bs, '/dev/wide'));
    t.deepEqual([wide.major, wide.minor, wide.mode], [259, 300000, 0o020600]);
    t.is(bs.inode(nidOf(bs, '/modes/setuid')).mode, 0o104755);
    t.deepEqual([...bs.xattrs(nidOf(bs, '/xattrs/opaque'))].map(([k, v]) => [k, Buffer.from(v).toString()]), [['trusted.overlay.opaque', 'y']]);
    const holey = nidOf(bs, '/sizes/holey');
    t.is(bs.fileChunks(holey)[1], HOLE);
    t.is(bs.chunkAt(holey, 3), HOLE);
    t.is(bs.chunkAt(holey, 4), undefined);
    const multi = bs.fileChunks(nidOf(bs, '/sizes/multi'));
    t.deepEqual(bs.fileChunks(nidOf(bs, '/sizes/multi-dup')), multi);
    t.is(bs.chunk(multi[0]).uncompressedSize, 16384);
    t.deepEqual(bs.prefetchNids, [nidOf(bs, '/sizes/multi'), nidOf(bs, '/links/hard-1'), nidOf(bs, '/sizes/one')]);
    const far = bs.inode(nidOf(bs, '/times/far'));
    t.deepEqual([far.mtime, far.mtimeNsec], [2 ** 33 + 1, 999999999]);
    const walked = [...bs.walk()].map((e) => e.path);
    t.is(walked[0], '/');
    t.is(walked.length, paths(meta).length);
});
test('an image without blobs or files round trips', (t) => {
    const meta = {
        chunkSize: 1 << 20,
        digestAlgorithm: 'sha256',
        compressor: 'none',
        blobs: [],
        chunks: [],
        root: dir({ e: file(0, []), s: symlink('e'), f: special('fifo') }),
        prefetch: [],
        buildTime: 0,
    };
    const bytes = writeBootstrap(meta);
    // Block 0, meta_blkaddr's empty block (the empty blob table ends where it starts), the inodes' block.
    t.is(bytes.length, 3 * 4096);
    t.is(Bootstrap.parse(bytes).image.superblock.blocks, 0, 'no blobs: RAFS v6 wants blocks 0');
    t.deepEqual(canonical(Bootstrap.parse(bytes).toMetadata()), canonical(meta));
});
test('a file with thousands of chunks spans blocks with its chunk index', (t) => {
    const b = new ModelBuilder(4096);
    const blob = b.addBlob('x');
    const big = b.file(4096 * 1500 + 1, blob);
    const meta = b.finish(dir({ big, after: file(0, []) }), { prefetch: [big] });
    const bs = Bootstrap.parse(writeBootstrap(meta));
    t.deepEqual(canonical(bs.toMetadata()), canonical(meta));
    t.is(bs.fileChunks(nidOf(bs, '/big')).length, 1501);
});
test('writer refuses models the format cannot hold, naming the rule', (t) => {
    const cases = [
        ['chunk size', (m) => void (m.chunkSize = 5000), /chunk size 5000/],
        ['long name', (m) => m.root.entries.set('y'.repeat(256), file(0, [])), /entry name is 256 bytes/],
        ['slash', (m) => m.root.entries.set('a/b', file(0, [])), /contains '\/'/],
        ['dot', (m) => m.root.entries.set('..', file(0, [])), /invalid entry name/],
        ['hard-linked dir', (m) => m.root.entries.set('again', m.root.entries.get('sizes')), /directory appears twice in the tree \(hard-linked or cyclic\)/],
        ['cycle', (m) => m.root.entries.get('order').entries.set('up', m.root), /directory appears twice/],
        ['chunk slots', (m) => m.root.entries.get('sizes').entries.set('bad', file(5, [])), /\/sizes\/bad: 0 chunk slots but a 5-byte file has 1/],
        ['slot index', (m) => m.root.entries.get('sizes').entries.set('bad', file(5, [9999])), /chunk slot 0 is 9999/],
        ['slot length', (m) => m.root.entries.get('sizes').entries.set('bad', file(5, [0])), /names chunk 0 of 16384 bytes but the slot holds 5/],
        ['xattr prefix', (m) => m.root.xattrs.set('os2.x', new Uint8Array(1)), /xattr "os2.x" has no EROFS name prefix/],
        ['empty symlink', (m) => m.root.entries.set('s', symlink('')), /symlink target is 0 bytes/],
        ['major', (m) => m.root.entries.set('d', { ...file(0, []), kind: 'chardev', major: 4096, minor: 0 }), /device major 4096/],
        ['uid', (m) => m.root.entries.set('u', file(0, [], { uid: 2 ** 32 })), /uid 4294967296/],
        ['nsec', (m) => m.root.entries.set('u', file(0, [], { mtimeNsec: 1e9 })), /mtime nanoseconds/],
        ['blob id', (m) => void (m.blobs[0].id = 'xyz'), /blob 0: id "xyz"/],
        ['chunk count', (m) => void (m.blobs[0].chunkCount += 1), /blob 0: chunk count 11 but the chunk table has 10/],
        ['overlap', (m) => void (m.chunks[1].uncompressedOffset = m.chunks[0].uncompressedOffset), /chunks 0 and 1 overlap in the uncompressed space of blob 0/],
        ['chunk past blob', (m) => void (m.blobs[0].uncompressedSize = 4096), /chunk \d+: uncompressed range .* ends past the blob's 4096 bytes/],
        ['zstd with none', (m) => void (m.compressor = 'none'), /zstd-compressed in an image whose compressor is none/],
        ['prefetch', (m) => m.prefetch.push(file(0, [])), /prefetch entry 3 is not a regular file of the tree/],
    ];
    for (const [name, mutate, message] of cases) {
        const m = richModel();
        mutate(m);
        t.throws(() => writeBootstrap(m), { instanceOf: InvalidImageMetadataError, message }, name);
    }
});
//# sourceMappingURL=roundtrip.test.js.map