/** The FUSE layer's pure translation: inode → stat, device numbers, times, xattr answers, errno. */
import test from 'ava';
import { constants } from 'node:os';
import { DigestMismatchError, InvalidArgumentError, MalformedBootstrapError, NotFoundError } from '../../src/errors.js';
import { DARNER_FUSE_TYPE, Errno, FsErrno, XATTR_SIZE_MAX, blockCount, decodeRdev, encodeRdev, entryStat, errnoOf, getxattrReply, listxattrReply, statOf, statfsOf, timeMs, } from '../../src/fs/index.js';
import { parseMountInfo } from '../../src/util/mountinfo.js';
const base = {
    nid: 42,
    kind: 'file',
    mode: 0o100644,
    uid: 1000,
    gid: 100,
    size: 5000,
    nlink: 2,
    mtime: 1_700_000_000,
    mtimeNsec: 123_456_789,
    major: 0,
    minor: 0,
};
test('errno values are Linux errno values', (t) => {
    const linux = constants.errno;
    for (const [name, value] of Object.entries(Errno)) {
        t.is(value, -linux[name], name);
    }
});
test('a file stat carries mode, owner, size, nlink, nid as inode number and millisecond times', (t) => {
    const st = statOf(base);
    t.like(st, { mode: 0o100644, uid: 1000, gid: 100, size: 5000, nlink: 2, ino: 42, rdev: 0, blksize: 4096 });
    t.is(st.mtime, 1_700_000_000_123);
    t.is(st.atime, st.mtime);
    t.is(st.ctime, st.mtime);
    t.is(st.blocks, 16, '5000 bytes occupy two 4 KiB blocks = 16 sectors');
});
test('device numbers survive the 32-bit FUSE encoding, large ones included', (t) => {
    for (const [major, minor] of [
        [1, 3],
        [8, 17],
        [259, 300000],
        [4095, 1048575],
        [0, 0],
    ]) {
        const rdev = encodeRdev(major, minor);
        t.true(rdev >= 0 && rdev <= 0xffffffff);
        t.deepEqual(decodeRdev(rdev), { major, minor });
    }
    // The glibc makedev() layout for small numbers: major << 8 | minor.
    t.is(encodeRdev(8, 17), (8 << 8) | 17);
    t.is(statOf({ ...base, kind: 'chardev', mode: 0o020666, size: 0, major: 1, minor: 3 }).rdev, 0x103);
    t.is(statOf({ ...base, kind: 'chardev', mode: 0o020666, size: 0, major: 1, minor: 3 }).blocks, 0);
});
test('times: milliseconds kept, earlier than 1970 clamped to the epoch', (t) => {
    t.is(timeMs(1, 999_999_999), 1999);
    t.is(timeMs(0, 0), 0);
    t.is(timeMs(-5, 10), 0);
    t.is(timeMs(2 ** 33 + 1, 999_999_999), (2 ** 33 + 1) * 1000 + 999);
});
test('blocks: data-bearing kinds round up to 4 KiB, others have none', (t) => {
    t.is(blockCount('file', 0), 0);
    t.is(blockCount('file', 1), 8);
    t.is(blockCount('file', 4096), 8);
    t.is(blockCount('file', 4097), 16);
    t.is(blockCount('dir', 100), 8);
    t.is(blockCount('symlink', 10), 8);
    t.is(blockCount('fifo', 0), 0);
});
test('readdir entries carry the type bits overlayfs needs and the nid', (t) => {
    t.deepEqual(entryStat(7, 'dir'), { mode: 0o040000, ino: 7 });
    t.deepEqual(entryStat(8, 'chardev'), { mode: 0o020000, ino: 8 });
    t.deepEqual(entryStat(9, 'symlink'), { mode: 0o120000, ino: 9 });
    t.deepEqual(entryStat(10, 'fifo'), { mode: 0o010000, ino: 10 });
    t.deepEqual(entryStat(11, 'socket'), { mode: 0o140000, ino: 11 });
    t.deepEqual(entryStat(12, 'blockdev'), { mode: 0o060000, ino: 12 });
    t.deepEqual(entryStat(13, 'file'), { mode: 0o100000, ino: 13 });
});
test('statfs reports a full read-only filesystem', (t) => {
    const s = statfsOf(10 * 4096 + 1, 77);
    t.like(s, { bsize: 4096, frsize: 4096, blocks: 11, bfree: 0, bavail: 0, files: 77, ffree: 0, namemax: 255, flag: 1 });
    t.is(statfsOf(2 ** 60, 1).blocks, 0xffffffff, 'clamped to what the binding carries');
});
test('getxattr: size query, exact buffer, larger buffer, too small (ERANGE), absent (ENODATA)', (t) => {
    const value = Buffer.from([0, 255, 1, 2, 0]);
    t.deepEqual(getxattrReply(value, 0), { result: 5 });
    t.deepEqual(getxattrReply(value, 5), { result: 5, bytes: value });
    t.deepEqual(getxattrReply(value, 100), { result: 5, bytes: value });
    t.deepEqual(getxattrReply(value, 4), { result: Errno.ERANGE });
    t.deepEqual(getxattrReply(undefined, 0), { result: Errno.ENODATA });
    t.deepEqual(getxattrReply(new Uint8Array(0), 0), { result: 0 });
    t.deepEqual(getxattrReply(new Uint8Array(XATTR_SIZE_MAX + 1), 0), { result: Errno.E2BIG });
});
test('listxattr: NUL-terminated names, size query, ERANGE', (t) => {
    const names = ['user.a', 'trusted.overlay.opaque', 'security.capability'];
    const expected = Buffer.from('user.a\0trusted.overlay.opaque\0security.capability\0');
    t.deepEqual(listxattrReply(names, 0), { result: expected.length });
    t.deepEqual(listxattrReply(names, expected.length), { result: expected.length, bytes: expected });
    t.deepEqual(listxattrReply(names, expected.length - 1), { result: Errno.ERANGE });
    t.deepEqual(listxattrReply([], 0), { result: 0 });
    t.deepEqual(listxattrReply(['user.é'], 0), { result: Buffer.byteLength('user.é\0') });
});
test('errno of failures: ENOENT for absent things, EINVAL for bad arguments, EIO for everything else', (t) => {
    t.is(errnoOf(new FsErrno(Errno.EROFS)), Errno.EROFS);
    t.is(errnoOf(new NotFoundError('x')), Errno.ENOENT);
    t.is(errnoOf(new InvalidArgumentError('x')), Errno.EINVAL);
    t.is(errnoOf(new DigestMismatchError('chunk', 'a', 'b')), Errno.EIO);
    t.is(errnoOf(new MalformedBootstrapError('bad')), Errno.EIO);
    t.is(errnoOf(new Error('boom')), Errno.EIO);
    t.is(errnoOf('string'), Errno.EIO);
});
test('mountinfo: finds darner FUSE mounts with escaped mount points', (t) => {
    const text = [
        '27 1 0:39 / /run/darner/mnt/m-1 ro,nosuid,nodev,relatime - fuse.darner darner ro,user_id=0,group_id=0,default_permissions,allow_other',
        '28 1 0:40 / /tmp/with\\040space rw shared:5 master:1 - fuse.darner darner rw',
        '29 1 0:41 / /var/lib/x rw - overlay overlay rw,lowerdir=/a',
        '',
        'garbage',
    ].join('\n');
    const mounts = parseMountInfo(text);
    t.deepEqual(mounts.filter((m) => m.fsType === DARNER_FUSE_TYPE).map((m) => m.mountPoint), ['/run/darner/mnt/m-1', '/tmp/with space']);
    t.is(mounts.length, 3);
    t.is(mounts[2].source, 'overlay');
});
//# sourceMappingURL=translation.test.js.map