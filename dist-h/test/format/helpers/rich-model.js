import { HOLE } from '../../../src/format/model.js';
import { ModelBuilder, device, dir, file, special, symlink } from './model-builder.js';
export const RICH_BUILD_TIME = 1_700_000_000;
/** A valid VFS_CAP_REVISION_2 security.capability value: effective, cap_net_bind_service. */
export const CAPABILITY_V2 = Buffer.from('0100000200040000000000000000000000000000', 'hex');
/** A valid POSIX ACL xattr: user::rw-, user:1000:r--, group::r--, mask::r--, other::r--. */
export const ACL_ACCESS = Buffer.from('02000000' + '01000600ffffffff' + '02000400e8030000' + '04000400ffffffff' + '10000400ffffffff' + '20000400ffffffff', 'hex');
export function richModel(chunkSize = 16384) {
    const b = new ModelBuilder(chunkSize);
    const blobA = b.addBlob('a');
    const blobB = b.addBlob('b');
    const blobC = b.addBlob('c');
    const cs = chunkSize;
    const t = RICH_BUILD_TIME;
    const multi = b.file(3 * cs + cs / 2, blobA);
    const sizes = [
        ['empty', file(0, [])],
        ['one', b.file(1, blobA)],
        ['b4095', b.file(4095, blobA)],
        ['b4096', b.file(4096, blobB)],
        ['cs-1', b.file(cs - 1, blobB)],
        ['cs', b.file(cs, blobA)],
        ['cs+1', b.file(cs + 1, blobC)],
        ['multi', multi],
        // Same chunks as multi: deduplicated data, a second inode.
        ['multi-dup', file(multi.size, [...multi.chunks], { mtime: t + 5 })],
        ['holey', b.file(4 * cs - 100, blobB, undefined, [1, 3])],
        ['all-holes', file(2 * cs, [HOLE, HOLE])],
    ];
    const hardFile = b.file(5000, blobC, { permissions: 0o640, uid: 1000, gid: 1000 });
    const hardLink = symlink('../sizes/one');
    const hardFifo = special('fifo', { permissions: 0o600 });
    // 300 entries of 24-byte names: about 10.8 KB of dirents, three directory blocks.
    const big = [];
    for (let i = 0; i < 300; i++)
        big.push([`entry-${String(i).padStart(5, '0')}-padding-xx`, file(0, [])]);
    big.push(['x'.repeat(255), b.file(10, blobA)]);
    big.push(['sub', dir({ leaf: file(0, []) })]);
    // "." and ".." plus 127 names of 20–21 bytes fill exactly one 4096-byte block: a directory whose
    // size is a whole block cannot keep its last block inline.
    const exact = [];
    for (let i = 0; i < 127; i++)
        exact.push([`x${String(i).padStart(3, '0')}`.padEnd(i < 5 ? 21 : 20, 'y'), file(0, [])]);
    const bigXattrs = {};
    for (let i = 0; i < 3; i++)
        bigXattrs[`user.big${i}`] = Buffer.alloc(2000, 0x41 + i);
    const root = dir({
        sizes: dir(sizes),
        bigdir: dir(big, { permissions: 0o750 }),
        exact: dir(exact),
        ['n'.repeat(255)]: dir({ inside: file(0, []) }),
        order: dir({
            '!bang': file(0, []),
            '+plus': file(0, []),
            '-dash': file(0, []),
            Zupper: file(0, []),
            '.hidden': file(0, []),
            'naïve-é': file(0, []),
            '🦀': file(0, []),
        }),
        links: dir({
            short: symlink('target'),
            long: symlink('l/'.repeat(500) + 'end'),
            longest: symlink('p'.repeat(4095)),
            'hard-1': hardFile,
            'hard-2': hardFile,
            'sym-1': hardLink,
            'fifo-1': hardFifo,
            nested: dir({ 'hard-3': hardFile, 'sym-2': hardLink, 'fifo-2': hardFifo }),
        }),
        dev: dir({
            null: device('chardev', 1, 3, { permissions: 0o666 }),
            sdb1: device('blockdev', 8, 17, { permissions: 0o660, gid: 6 }),
            wide: device('chardev', 259, 300000),
            max: device('blockdev', 4095, 1048575),
            fifo: special('fifo'),
            socket: special('socket', { permissions: 0o755 }),
        }),
        modes: dir({
            setuid: b.file(100, blobB, { permissions: 0o4755 }),
            setgid: dir({}, { permissions: 0o2775, gid: 50 }),
            sticky: dir({}, { permissions: 0o1777 }),
            all: file(0, [], { permissions: 0o7777 }),
            none: file(0, [], { permissions: 0 }),
        }),
        owners: dir({
            big: b.file(7, blobC, { uid: 70000, gid: 80000 }),
            max: file(0, [], { uid: 0xffffffff - 1, gid: 65536 }),
        }),
        times: dir({
            negative: file(0, [], { mtime: -1234567890, mtimeNsec: 123456789 }),
            // Beyond 32 bits, yet within what ext4 can store (fsck.erofs --extract writes to ext4).
            far: b.file(3, blobA, { mtime: 2 ** 33 + 1, mtimeNsec: 999999999 }),
            epoch: file(0, [], { mtime: 0 }),
            nsec: symlink('x', { mtimeNsec: 1 }),
        }),
        xattrs: dir({
            binary: b.file(20, blobA, { xattrs: { 'user.bin': Buffer.from([0, 255, 1, 2, 0]), 'user.empty': '' } }),
            cap: b.file(20, blobB, { permissions: 0o755, xattrs: { 'security.capability': CAPABILITY_V2 } }),
            acl: file(0, [], { xattrs: { 'system.posix_acl_access': ACL_ACCESS } }),
            opaque: dir({ f: file(0, []) }, { xattrs: { 'trusted.overlay.opaque': 'y' } }),
            'link-x': symlink('binary', { xattrs: { 'trusted.link': 'on a symlink' } }),
            many: b.file(cs * 2, blobC, { xattrs: bigXattrs }),
            'dir-acl': dir({}, { xattrs: { 'system.posix_acl_default': ACL_ACCESS, 'user.d': 'dir' } }),
        }, { xattrs: { 'user.on-dir': 'yes' } }),
    }, { mtime: t });
    return b.finish(root, { buildTime: t, prefetch: [multi, hardFile, sizes[1][1]] });
}
//# sourceMappingURL=rich-model.js.map