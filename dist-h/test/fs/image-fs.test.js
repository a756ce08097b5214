/** ImageFs, the FUSE operations without FUSE: a real bootstrap (the format's rich model) and in-memory readers. */
import test from 'ava';
import { ChunkUnavailableError, DigestMismatchError } from '../../src/errors.js';
import { Bootstrap, writeBootstrap } from '../../src/format/index.js';
import { Errno, ImageFs, errnoOf } from '../../src/fs/index.js';
import { ACL_ACCESS, CAPABILITY_V2, richModel } from '../format/helpers/rich-model.js';
const CHUNK = 16384;
const bootstrap = Bootstrap.parse(writeBootstrap(richModel(CHUNK)));
/** File bytes as a pure function of (nid, position), so every read can be checked. */
function byteAt(nid, p) {
    return (nid * 31 + p * 7) & 0xff;
}
class PatternReader {
    calls = [];
    async read(nid, offset, length) {
        this.calls.push({ nid, offset, length });
        const out = Buffer.alloc(length);
        for (let i = 0; i < length; i++)
            out[i] = byteAt(nid, offset + i);
        return out;
    }
}
function errnoThrown(fn) {
    try {
        fn();
    }
    catch (err) {
        return errnoOf(err);
    }
    return 0;
}
async function errnoRejected(p) {
    try {
        await p;
    }
    catch (err) {
        return errnoOf(err);
    }
    return 0;
}
test('getattr of the root, a file, a hard link pair, a symlink, devices', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    const root = fs.getattr('/');
    t.is(root.ino, bootstrap.rootNid);
    t.is(root.mode & 0o170000, 0o040000);
    const one = fs.getattr('/sizes/one');
    t.like(one, { size: 1, mode: 0o100644, nlink: 1 });
    const h1 = fs.getattr('/links/hard-1');
    const h3 = fs.getattr('/links/nested/hard-3');
    t.is(h1.ino, h3.ino, 'hard links share the inode number');
    t.is(h1.nlink, 3);
    t.like(h1, { uid: 1000, gid: 1000, mode: 0o100640, size: 5000 });
    const sym = fs.getattr('/links/short');
    t.like(sym, { mode: 0o120777, size: 'target'.length });
    t.like(fs.getattr('/dev/null'), { mode: 0o020666, rdev: (1 << 8) | 3 });
    t.like(fs.getattr('/dev/max'), { mode: 0o060600 });
    t.like(fs.getattr('/owners/big'), { uid: 70000, gid: 80000 });
    t.like(fs.getattr('/modes/setuid'), { mode: 0o104755 });
    t.is(fs.getattr('/times/far').mtime, (2 ** 33 + 1) * 1000 + 999);
});
test('absent paths are ENOENT, a path through a file is ENOTDIR', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    t.is(errnoThrown(() => fs.getattr('/nope')), Errno.ENOENT);
    t.is(errnoThrown(() => fs.getattr('/sizes/nope')), Errno.ENOENT);
    t.is(errnoThrown(() => fs.getattr('/sizes/one/below')), Errno.ENOTDIR);
});
test('readdir lists . and .. and every entry with its type and inode number', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    const { names, stats } = fs.readdir('/dev');
    t.deepEqual(names, ['.', '..', 'fifo', 'max', 'null', 'sdb1', 'socket', 'wide']);
    t.is(stats.length, names.length);
    t.is(stats[1].ino, bootstrap.rootNid, '.. of /dev is the root');
    const typeOf = (name) => stats[names.indexOf(name)].mode & 0o170000;
    t.is(typeOf('fifo'), 0o010000);
    t.is(typeOf('null'), 0o020000);
    t.is(typeOf('sdb1'), 0o060000);
    t.is(typeOf('socket'), 0o140000);
    t.is(stats[names.indexOf('null')].ino, fs.getattr('/dev/null').ino);
    const big = fs.readdir('/bigdir');
    t.is(big.names.length, 2 + 302);
    t.is(errnoThrown(() => fs.readdir('/sizes/one')), Errno.ENOTDIR);
});
test('readlink of symlinks, EINVAL for anything else', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    t.is(fs.readlink('/links/short'), 'target');
    t.is(fs.readlink('/links/longest'), 'p'.repeat(4095));
    t.is(errnoThrown(() => fs.readlink('/sizes/one')), Errno.EINVAL);
});
test('open: read-only opens get handles; write, read-write and truncate are EROFS; directories EISDIR', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    const a = fs.open('/sizes/one', 0);
    const b = fs.open('/sizes/one', 0o100000 /* O_LARGEFILE */);
    t.true(a > 0 && b > 0 && a !== b);
    t.is(fs.openFiles, 2);
    t.is(errnoThrown(() => fs.open('/sizes/one', 1)), Errno.EROFS);
    t.is(errnoThrown(() => fs.open('/sizes/one', 2)), Errno.EROFS);
    t.is(errnoThrown(() => fs.open('/sizes/one', 0o1000)), Errno.EROFS);
    t.is(errnoThrown(() => fs.open('/sizes', 0)), Errno.EISDIR);
    t.is(errnoThrown(() => fs.open('/missing', 0)), Errno.ENOENT);
    fs.release(a);
    fs.release(b);
    t.is(fs.openFiles, 0);
});
test('read: bytes within the file from the reader, short at the end, nothing past it', async (t) => {
    const reader = new PatternReader();
    const fs = new ImageFs(bootstrap, reader);
    const path = '/sizes/cs+1';
    const nid = fs.getattr(path).ino;
    const fd = fs.open(path, 0);
    const whole = await fs.read(fd, path, 131072, 0);
    t.is(whole.length, CHUNK + 1);
    t.is(whole[CHUNK], byteAt(nid, CHUNK));
    const tail = await fs.read(fd, path, 100, CHUNK - 10);
    t.is(tail.length, 11);
    t.is(tail[0], byteAt(nid, CHUNK - 10));
    t.is((await fs.read(fd, path, 100, CHUNK + 1)).length, 0, 'at EOF');
    t.is((await fs.read(fd, path, 100, 10 ** 9)).length, 0, 'far past EOF');
    t.deepEqual(reader.calls.at(-1), { nid, offset: CHUNK - 10, length: 11 }, 'the reader is never asked past the end');
    t.is((await fs.read(fd, '/sizes/empty', 10, 0)).length, 10, 'the handle, not the path, names the file');
    fs.release(fd);
    t.is((await fs.read(0, '/sizes/empty', 10, 0)).length, 0, 'without a handle the path is used');
});
test('read failures: any reader error is EIO and reaches the observer; short answers are EIO', async (t) => {
    const failures = [];
    const failing = {
        read: async () => {
            throw new DigestMismatchError('chunk 3', 'aa', 'bb');
        },
    };
    const fs = new ImageFs(bootstrap, failing, { observer: { readFailed: (err) => failures.push(err) } });
    const fd = fs.open('/sizes/one', 0);
    t.is(await errnoRejected(fs.read(fd, '/sizes/one', 10, 0)), Errno.EIO);
    t.true(failures[0] instanceof DigestMismatchError);
    const short = new ImageFs(bootstrap, { read: async () => Buffer.alloc(1) });
    const fd2 = short.open('/sizes/b4095', 0);
    t.is(await errnoRejected(short.read(fd2, '/sizes/b4095', 4095, 0)), Errno.EIO);
    const unavailable = new ImageFs(bootstrap, {
        read: async () => {
            throw new ChunkUnavailableError('origin unreachable');
        },
    });
    t.is(await errnoRejected(unavailable.read(unavailable.open('/sizes/one', 0), '/sizes/one', 1, 0)), Errno.EIO);
});
test('a read the reader never answers fails with EIO after the read timeout, and the reader is told to stop', async (t) => {
    let signalSeen;
    const hanging = {
        read: (_nid, _offset, _length, signal) => {
            signalSeen = signal;
            return new Promise(() => { });
        },
    };
    const fs = new ImageFs(bootstrap, hanging, { readTimeoutMs: 50 });
    // The read timeout is an AbortSignal.timeout, whose timer does not hold the event loop open (in
    // the daemon FUSE does); without this, the worker can go idle first and ava ends the test as
    // never resolved.
    const keepAlive = setInterval(() => { }, 1000);
    t.teardown(() => clearInterval(keepAlive));
    t.is(await errnoRejected(fs.read(fs.open('/sizes/one', 0), '/sizes/one', 1, 0)), Errno.EIO);
    t.true(signalSeen?.aborted);
});
test('close: reads in flight and later reads fail with EIO', async (t) => {
    const hanging = { read: () => new Promise(() => { }) };
    const fs = new ImageFs(bootstrap, hanging);
    const fd = fs.open('/sizes/one', 0);
    const pending = fs.read(fd, '/sizes/one', 1, 0);
    fs.close();
    t.is(await errnoRejected(pending), Errno.EIO);
    t.is(await errnoRejected(fs.read(0, '/sizes/one', 1, 0)), Errno.EIO);
});
test('xattrs: binary values, trusted.overlay.opaque, security.capability, ACLs, size queries and ERANGE', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    t.deepEqual(fs.getxattr('/xattrs/binary', 'user.bin', 100).bytes, Buffer.from([0, 255, 1, 2, 0]));
    t.is(fs.getxattr('/xattrs/binary', 'user.bin', 0).result, 5);
    t.is(fs.getxattr('/xattrs/binary', 'user.bin', 4).result, Errno.ERANGE);
    t.is(fs.getxattr('/xattrs/binary', 'user.empty', 0).result, 0);
    t.is(fs.getxattr('/xattrs/binary', 'user.none', 10).result, Errno.ENODATA);
    t.deepEqual(Buffer.from(fs.getxattr('/xattrs/opaque', 'trusted.overlay.opaque', 10).bytes), Buffer.from('y'));
    t.deepEqual(Buffer.from(fs.getxattr('/xattrs/cap', 'security.capability', 100).bytes), CAPABILITY_V2);
    t.deepEqual(Buffer.from(fs.getxattr('/xattrs/acl', 'system.posix_acl_access', 100).bytes), ACL_ACCESS);
    t.is(fs.getxattr('/xattrs/link-x', 'trusted.link', 100).result, 'on a symlink'.length);
    const list = fs.listxattr('/xattrs/binary', 1000);
    t.deepEqual(Buffer.from(list.bytes).toString().split('\0').filter(Boolean).sort(), ['user.bin', 'user.empty']);
    t.is(fs.listxattr('/xattrs/binary', 0).result, list.result);
    t.is(fs.listxattr('/xattrs/binary', 3).result, Errno.ERANGE);
    t.is(fs.listxattr('/sizes/one', 0).result, 0);
    t.is(errnoThrown(() => fs.getxattr('/missing', 'user.x', 0)), Errno.ENOENT);
});
test('statfs and access', (t) => {
    const fs = new ImageFs(bootstrap, new PatternReader());
    const s = fs.statfs();
    t.is(s.bsize, 4096);
    t.is(s.files, bootstrap.image.superblock.inos);
    t.is(s.blocks, Math.ceil(bootstrap.blobs.reduce((n, b) => n + b.uncompressedSize, 0) / 4096));
    t.notThrows(() => fs.access('/sizes/one', 4));
    t.is(errnoThrown(() => fs.access('/sizes/one', 2)), Errno.EROFS);
    t.is(errnoThrown(() => fs.access('/nope', 0)), Errno.ENOENT);
});
test('a read starting inside a range that just failed fails at once (the kernel retries a failed readahead)', async (t) => {
    let calls = 0;
    const failing = {
        read: async () => {
            calls += 1;
            throw new ChunkUnavailableError('origin unreachable');
        },
    };
    const fs = new ImageFs(bootstrap, failing, { failedReadMemoryMs: 60_000 });
    const path = '/sizes/cs+1';
    const fd = fs.open(path, 0);
    t.is(await errnoRejected(fs.read(fd, path, 8192, 0)), Errno.EIO);
    t.is(calls, 1);
    t.is(await errnoRejected(fs.read(fd, path, 4096, 0)), Errno.EIO, 'the retry of its first page');
    t.is(await errnoRejected(fs.read(fd, path, 4096, 4096)), Errno.EIO);
    t.is(calls, 1, 'answered from memory');
    t.is(await errnoRejected(fs.read(fd, path, 4096, 8192)), Errno.EIO, 'outside the failed range');
    t.is(calls, 2);
    const forgetful = new ImageFs(bootstrap, failing, { failedReadMemoryMs: 0 });
    const fd2 = forgetful.open(path, 0);
    await errnoRejected(forgetful.read(fd2, path, 4096, 0));
    await errnoRejected(forgetful.read(fd2, path, 4096, 0));
    t.is(calls, 4, 'without memory every read asks the reader');
    const brief = new ImageFs(bootstrap, failing, { failedReadMemoryMs: 20 });
    const fd3 = brief.open(path, 0);
    await errnoRejected(brief.read(fd3, path, 4096, 0));
    await new Promise((r) => setTimeout(r, 40));
    await errnoRejected(brief.read(fd3, path, 4096, 0));
    t.is(calls, 6, 'the memory lapses');
});
//# sourceMappingURL=image-fs.test.js.map