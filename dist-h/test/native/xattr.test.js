import test from 'ava';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lgetxattr, llistxattr, lremovexattr, lsetxattr } from '../../src/native.js';
const isRoot = process.getuid?.() === 0;
function tempDir(t) {
    const dir = mkdtempSync(join(tmpdir(), 'darner-xattr-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}
test('user.* xattrs: set, get, list, replace, remove', (t) => {
    const file = join(tempDir(t), 'f');
    writeFileSync(file, 'data');
    t.deepEqual(llistxattr(file), []);
    t.is(lgetxattr(file, 'user.absent'), null);
    const binary = Buffer.from([0, 1, 2, 0, 255]);
    const large = Buffer.alloc(3000, 'x');
    lsetxattr(file, 'user.binary', binary);
    lsetxattr(file, 'user.empty', Buffer.alloc(0));
    lsetxattr(file, 'user.large', large);
    t.deepEqual(lgetxattr(file, 'user.binary'), binary);
    t.deepEqual(lgetxattr(file, 'user.empty'), Buffer.alloc(0));
    t.deepEqual(lgetxattr(file, 'user.large'), large);
    t.deepEqual(llistxattr(file).sort(), ['user.binary', 'user.empty', 'user.large']);
    lsetxattr(file, 'user.binary', Buffer.from('replaced'));
    t.is(lgetxattr(file, 'user.binary')?.toString(), 'replaced');
    lremovexattr(file, 'user.binary');
    t.is(lgetxattr(file, 'user.binary'), null);
    t.deepEqual(llistxattr(file).sort(), ['user.empty', 'user.large']);
    t.throws(() => lremovexattr(file, 'user.binary'), { code: 'ENODATA' });
});
(isRoot ? test : test.skip)('trusted.* xattrs (root), as overlayfs uses them', (t) => {
    const dir = tempDir(t);
    lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
    t.is(lgetxattr(dir, 'trusted.overlay.opaque')?.toString(), 'y');
    t.true(llistxattr(dir).includes('trusted.overlay.opaque'));
    lremovexattr(dir, 'trusted.overlay.opaque');
    t.is(lgetxattr(dir, 'trusted.overlay.opaque'), null);
});
test('the l* calls act on a symlink itself, not on its target', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'target');
    const link = join(dir, 'link');
    writeFileSync(file, '');
    symlinkSync('target', link);
    lsetxattr(file, 'user.on-target', Buffer.from('1'));
    t.is(lgetxattr(link, 'user.on-target'), null);
    t.false(llistxattr(link).includes('user.on-target'));
    // The kernel refuses user.* attributes on symlinks; a following setxattr would have succeeded.
    t.throws(() => lsetxattr(link, 'user.x', Buffer.from('1')), { code: 'EPERM' });
});
test('failures carry the errno name as code', (t) => {
    const missing = join(tempDir(t), 'missing');
    const err = t.throws(() => lgetxattr(missing, 'user.x'), { code: 'ENOENT' });
    t.is(err?.message, `ENOENT: no such file or directory, lgetxattr '${missing}'`);
    t.throws(() => llistxattr(missing), { code: 'ENOENT' });
    t.throws(() => lsetxattr(missing, 'user.x', Buffer.from('1')), { code: 'ENOENT' });
    t.throws(() => lremovexattr(missing, 'user.x'), { code: 'ENOENT' });
    const file = join(tempDir(t), 'f');
    writeFileSync(file, '');
    // A namespace the kernel does not know.
    t.throws(() => lsetxattr(file, 'nonamespace', Buffer.from('1')), { code: 'ENOTSUP' });
    t.throws(() => lgetxattr(file, 'user.a\0b'), { code: 'ERR_INVALID_ARG_VALUE' });
    t.throws(() => llistxattr(`${file}\0`), { code: 'ERR_INVALID_ARG_VALUE' });
});
//# sourceMappingURL=xattr.test.js.map