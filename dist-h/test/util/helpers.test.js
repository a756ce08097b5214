/** The low-level helpers of src/util: size grammar, USER:PASSWORD and KEY=VALUE, blob ids, mountinfo, whole reads. */
import test from 'ava';
import { readdirSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importsOf } from '../harness/module-graph.js';
import { BLOB_ID, isBlobId } from '../../src/util/hex-id.js';
import { parseMountInfo, parseMountPoints } from '../../src/util/mountinfo.js';
import { splitKeyValue, splitUserPassword } from '../../src/util/pairs.js';
import { readFully } from '../../src/util/read-fully.js';
import { parseSize } from '../../src/util/size.js';
test('sizes: decimal or 0x hex, optional K/M/G with optional B or iB, any case, blanks around', (t) => {
    const cases = [
        ['1048576', 1048576],
        ['64K', 64 * 1024],
        ['64k', 64 * 1024],
        ['20M', 20 * 1024 ** 2],
        ['1MiB', 1024 ** 2],
        ['1GiB', 1024 ** 3],
        ['2 gb', 2 * 1024 ** 3],
        ['512b', 512],
        ['0x100000', 0x100000],
        ['0X10k', 16 * 1024],
        [' 4096 ', 4096],
    ];
    for (const [text, bytes] of cases)
        t.is(parseSize(text), bytes, text);
    for (const bad of ['', 'K', '1.5M', '-1', '1T', '1 K B', '0x', '12ki', 'ten'])
        t.is(parseSize(bad), undefined, bad);
});
test('USER:PASSWORD and KEY=VALUE split at the first separator; an empty user or key is refused', (t) => {
    t.deepEqual(splitUserPassword('me:pa:ss'), { username: 'me', password: 'pa:ss' });
    t.deepEqual(splitUserPassword('me:'), { username: 'me', password: '' });
    t.is(splitUserPassword(':secret'), undefined);
    t.is(splitUserPassword('nocolon'), undefined);
    t.deepEqual(splitKeyValue('a=b=c'), ['a', 'b=c']);
    t.deepEqual(splitKeyValue('a='), ['a', '']);
    t.is(splitKeyValue('=v'), undefined);
    t.is(splitKeyValue('novalue'), undefined);
});
test('blob ids are 64 lowercase hex digits', (t) => {
    t.true(isBlobId('a'.repeat(64)));
    t.true(BLOB_ID.test('0123456789abcdef'.repeat(4)));
    for (const bad of ['A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `sha256:${'a'.repeat(64)}`, 42, undefined])
        t.false(isBlobId(bad));
});
test('mountinfo: entries past the optional fields, octal escapes undone, malformed lines skipped', (t) => {
    const text = [
        '36 35 98:0 / /mnt/with\\040space rw,noatime master:1 shared:2 - fuse.darner darner ro',
        '37 35 98:0 / /plain rw - overlay overlay rw,lowerdir=/a',
        'garbage',
        '',
    ].join('\n');
    t.deepEqual(parseMountInfo(text), [
        { mountPoint: '/mnt/with space', fsType: 'fuse.darner', source: 'darner' },
        { mountPoint: '/plain', fsType: 'overlay', source: 'overlay' },
    ]);
    t.deepEqual(parseMountPoints(text), ['/mnt/with space', '/plain']);
});
test('readFully goes on after short reads and stops only where the file ends', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-util-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'data');
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await writeFile(file, data);
    const fh = await open(file, 'r');
    t.teardown(() => fh.close());
    let calls = 0;
    // At most 7 bytes per read(2), as a pipe or a slow filesystem may answer.
    const trickle = {
        read: (buffer, offset, length, position) => {
            calls++;
            return fh.read(buffer, offset, Math.min(length, 7), position);
        },
    };
    t.deepEqual(await readFully(trickle, 100, 10), data.subarray(10, 110));
    t.is(calls, Math.ceil(100 / 7));
    t.deepEqual(await readFully(trickle, 100, 950), data.subarray(950));
    t.is((await readFully(fh, 10, 2000)).length, 0);
});
test('src/util imports nothing of darner but itself, and no package', (t) => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const util = join(root, 'src/util');
    const files = readdirSync(util).filter((f) => f.endsWith('.ts')).map((f) => join(util, f));
    t.true(files.length >= 6);
    const outside = files.flatMap((f) => {
        const { modules, packages } = importsOf(f, { types: true });
        return [...modules.filter((m) => !m.startsWith(`${util}/`)), ...packages].map((m) => `${relative(root, f)} → ${m}`);
    });
    t.deepEqual(outside, []);
});
//# sourceMappingURL=helpers.test.js.map