/**
 * The other direction: images made by erofs-utils' mkfs.erofs (no darner extension) decoded with
 * darner's EROFS layer (ErofsImage, the same record codecs the bootstrap reader uses) must
 * describe the source tree: superblock and its checksum, inodes compact and extended, directory
 * blocks, shared and inline xattrs, symlinks, device numbers, and chunk indexes whose blocks in
 * the blob device hold the file's bytes.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHUNK_FORMAT_INDEXES, DEVICE_SLOT_SIZE, EROFS_MAGIC, ErofsImage, FEATURE_INCOMPAT_CHUNKED_FILE, FEATURE_INCOMPAT_DEVICE_TABLE, decodeDeviceSlot, decodeSuperblock, isExtended, superblockChecksum, } from '../../src/format/index.js';
import { tempDir } from './helpers/mount.js';
import { readAllXattrs } from './helpers/tree-compare.js';
function buildSource(root) {
    mkdirSync(root);
    writeFileSync(join(root, 'small'), randomBytes(5000));
    writeFileSync(join(root, 'big'), randomBytes((3 << 19) + 3)); // 1.5 MiB + 3: two chunks
    copyFileSync(join(root, 'big'), join(root, 'big-dup')); // deduplicated by mkfs
    writeFileSync(join(root, 'empty'), '');
    mkdirSync(join(root, 'sub/deeper'), { recursive: true });
    writeFileSync(join(root, 'sub/inner'), randomBytes(100));
    symlinkSync('small', join(root, 'link'));
    symlinkSync('t'.repeat(200), join(root, 'long-link'));
    writeFileSync(join(root, 'hard1'), randomBytes(10));
    linkSync(join(root, 'hard1'), join(root, 'hard2'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
    execFileSync('mknod', [join(root, 'wide'), 'b', '259', '300000']);
    chmodSync(join(root, 'small'), 0o4755);
    chownSync(join(root, 'sub/inner'), 70000, 80000);
    mkdirSync(join(root, 'bigdir'));
    for (let i = 0; i < 300; i++)
        writeFileSync(join(root, 'bigdir', `name-${String(i).padStart(4, '0')}-${'z'.repeat(12)}`), '');
    const setfattr = (name, value, path) => {
        execFileSync('setfattr', ['-n', name, '-v', value, join(root, path)]);
    };
    setfattr('user.a', 'b', 'small');
    setfattr('user.odd', 'xyz', 'empty');
    for (const p of ['small', 'empty', 'sub/inner'])
        setfattr('user.shared', 'common', p); // shared by mkfs (≥ 3 users)
    setfattr('trusted.overlay.opaque', 'y', 'sub');
    execFileSync('setfattr', ['-n', 'security.capability', '-v', '0x0100000200040000000000000000000000000000', join(root, 'big')]);
}
function compareDir(t, image, blob, src, nid, fixedTime, xattrs, rel, seen) {
    const entries = image.readdir(nid);
    t.deepEqual(entries.map((e) => e.name), readdirSync(src).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), `${rel}: names`);
    const raw = image.rawDirEntries(nid);
    t.is(raw.find((e) => e.name === '.')?.nid, nid);
    for (const e of entries) {
        const path = join(src, e.name);
        const where = `${rel}/${e.name}`;
        const st = lstatSync(path, { bigint: true });
        const info = image.inode(e.nid);
        seen.checked += 1;
        t.is(info.mode, Number(st.mode), `${where}: mode`);
        t.is(info.uid, Number(st.uid), `${where}: uid`);
        t.is(info.gid, Number(st.gid), `${where}: gid`);
        t.is(info.nlink, Number(st.nlink), `${where}: nlink`);
        const mtimeNs = BigInt(info.mtime) * 1000000000n + BigInt(info.mtimeNsec);
        t.is(mtimeNs, fixedTime === undefined ? st.mtimeNs : BigInt(fixedTime) * 1000000000n, `${where}: mtime`);
        const expectedX = [...(xattrs.get(`/${where.replace(/^\//, '')}`) ?? new Map())].sort();
        const actualX = [...image.xattrs(e.nid)].map(([k, v]) => [k, Buffer.from(v).toString('hex')]).sort();
        t.deepEqual(actualX, expectedX, `${where}: xattrs`);
        switch (e.kind) {
            case 'dir':
                compareDir(t, image, blob, path, e.nid, fixedTime, xattrs, where, seen);
                break;
            case 'symlink':
                t.is(image.readlink(e.nid), readlinkSync(path), `${where}: target`);
                break;
            case 'chardev':
            case 'blockdev': {
                const rdev = st.rdev;
                t.deepEqual([info.major, info.minor], [Number((rdev >> 8n) & 0xfffn), Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn))], `${where}: rdev`);
                break;
            }
            case 'file': {
                t.is(info.size, Number(st.size), `${where}: size`);
                const data = readFileSync(path);
                const { chunkBits, entries: index } = image.chunkIndex(e.nid);
                if (info.size === 0) {
                    t.is(index.length, 0);
                    break;
                }
                t.is(chunkBits, 20, `${where}: 1 MiB chunks`);
                t.is(image.locate(e.nid).record.u & CHUNK_FORMAT_INDEXES, CHUNK_FORMAT_INDEXES);
                index.forEach((entry, i) => {
                    t.is(entry.deviceId, 1, `${where}: chunk ${i} device`);
                    const piece = data.subarray(i << 20, (i + 1) << 20);
                    const at = entry.blkaddr * 4096;
                    t.true(blob.subarray(at, at + piece.length).equals(piece), `${where}: chunk ${i} bytes at blob block ${entry.blkaddr}`);
                    seen.chunks += 1;
                });
                break;
            }
            default:
                t.is(info.size, 0);
        }
    }
}
for (const fixedTime of [undefined, 1_700_000_000]) {
    test(`ErofsImage decodes mkfs.erofs --chunksize --blobdev output${fixedTime ? ' with -T (compact inodes)' : ' (extended inodes)'}`, (t) => {
        const dir = tempDir(t, 'mkfs');
        const src = join(dir, 'src');
        buildSource(src);
        const meta = join(dir, 'meta.img');
        const blobPath = join(dir, 'blob.img');
        const args = ['--quiet', '--chunksize=1048576', `--blobdev=${blobPath}`];
        if (fixedTime !== undefined)
            args.push(`-T${fixedTime}`);
        execFileSync('mkfs.erofs', [...args, meta, src], { stdio: 'pipe' });
        const bytes = readFileSync(meta);
        const blob = readFileSync(blobPath);
        const sb = decodeSuperblock(bytes);
        t.is(sb.magic, EROFS_MAGIC);
        t.is(sb.checksum, superblockChecksum(bytes), 'darner computes the checksum mkfs stored');
        t.is(sb.featureIncompat & (FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE), FEATURE_INCOMPAT_CHUNKED_FILE | FEATURE_INCOMPAT_DEVICE_TABLE);
        t.is(sb.extraDevices, 1);
        t.is(decodeDeviceSlot(bytes, sb.devtSlotoff * DEVICE_SLOT_SIZE).blocks >= 0, true);
        if (fixedTime !== undefined)
            t.is(sb.buildTime, fixedTime);
        const image = ErofsImage.parse(bytes, { requireChecksum: true });
        const root = image.inode(image.rootNid);
        t.is(root.kind, 'dir');
        t.is(root.nlink, 2 + 2, 'root: 2 + subdirectories (sub, bigdir)');
        const xattrs = readAllXattrs(src);
        const seen = { checked: 0, chunks: 0 };
        compareDir(t, image, blob, src, image.rootNid, fixedTime, xattrs, '', seen);
        t.true(seen.checked > 300);
        t.is(seen.chunks, 2 + 2 + 1 + 1 + 1 + 1, "big, big-dup, small, sub/inner, hard1 and hard2");
        // Hard links share a nid; the deduplicated copy shares blocks with the original.
        t.is(image.lookup(image.rootNid, 'hard1'), image.lookup(image.rootNid, 'hard2'));
        const blocks = (name) => image.chunkIndex(image.lookup(image.rootNid, name)).entries.map((e) => e.blkaddr);
        t.deepEqual(blocks('big-dup'), blocks('big'));
        // Compact vs extended as the fact sheet says.
        const small = image.locate(image.lookup(image.rootNid, 'small'));
        t.is(isExtended(small.record.format), fixedTime === undefined);
        const inner = image.locate(image.lookup(image.lookup(image.rootNid, 'sub'), 'inner'));
        t.true(isExtended(inner.record.format), 'uid 70000 needs an extended inode');
    });
}
//# sourceMappingURL=mkfs-oracle.test.js.map