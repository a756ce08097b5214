import test from 'ava';
import { constants, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mknod } from '../../src/native.js';
const isRoot = process.getuid?.() === 0;
function tempDir(t) {
    const dir = mkdtempSync(join(tmpdir(), 'darner-mknod-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}
/** glibc's major()/minor() of a Linux dev_t, in arithmetic that stays exact above 2^32. */
function splitDev(rdev) {
    const high = Math.floor(rdev / 2 ** 32);
    const low = rdev % 2 ** 32;
    return {
        major: ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0),
        minor: (low & 0xff) | ((low >>> 12) & 0xfff00),
    };
}
test('a fifo', (t) => {
    const path = join(tempDir(t), 'fifo');
    mknod(path, constants.S_IFIFO | 0o600, 0, 0);
    const stat = lstatSync(path);
    t.true(stat.isFIFO());
    t.is(stat.mode & 0o7777, 0o600);
});
(isRoot ? test : test.skip)('a character device 1:3 and a block device with a minor above 255', (t) => {
    const dir = tempDir(t);
    mknod(join(dir, 'null'), constants.S_IFCHR | 0o666 & ~process.umask(), 1, 3);
    const chr = lstatSync(join(dir, 'null'));
    t.true(chr.isCharacterDevice());
    t.is(chr.rdev, 259);
    t.deepEqual(splitDev(chr.rdev), { major: 1, minor: 3 });
    mknod(join(dir, 'blk'), constants.S_IFBLK | 0o600, 7, 300);
    const blk = lstatSync(join(dir, 'blk'));
    t.true(blk.isBlockDevice());
    t.deepEqual(splitDev(blk.rdev), { major: 7, minor: 300 });
});
test('failures carry the errno name; bad numbers are refused', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'fifo');
    mknod(path, constants.S_IFIFO | 0o600, 0, 0);
    t.throws(() => mknod(path, constants.S_IFIFO | 0o600, 0, 0), { code: 'EEXIST' });
    t.throws(() => mknod(join(dir, 'no', 'such'), constants.S_IFIFO | 0o600, 0, 0), { code: 'ENOENT' });
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
        t.throws(() => mknod(join(dir, 'x'), bad, 0, 0), { code: 'ERR_OUT_OF_RANGE' }, String(bad));
        t.throws(() => mknod(join(dir, 'x'), constants.S_IFCHR, bad, 0), { code: 'ERR_OUT_OF_RANGE' }, String(bad));
    }
});
//# sourceMappingURL=mknod.test.js.map