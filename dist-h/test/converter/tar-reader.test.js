import test from 'ava';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { BadTarError, DecompressError } from '../../src/errors.js';
import { decompressLayer, sniffCompression } from '../../src/layer/decompress.js';
import { decodePaxRecords, normalizeEntryPath, readTarEntries } from '../../src/layer/tar-reader.js';
import { buildLayerTar, patchSize, pseudoRandomBytes } from '../harness/layer-tar.js';
import { base256, paxEntry, rawTar } from './raw-tar.js';
async function entriesOf(tar) {
    const out = [];
    for await (const { entry, body } of readTarEntries(Readable.from([tar]))) {
        const parts = [];
        for await (const piece of body)
            parts.push(Buffer.from(piece));
        out.push({ ...entry, data: Buffer.concat(parts) });
    }
    return out;
}
test('every entry kind comes through with its attributes', async (t) => {
    const binary = Uint8Array.from([0x01, 0x00, 0x00, 0x02, 0x80, 0xff, 0x00, 0x20]);
    const tar = await buildLayerTar([
        { type: 'dir', path: 'etc', mode: 0o755, uid: 1, gid: 2 },
        { type: 'file', path: 'etc/passwd', data: 'root:x:0:0\n', mode: 0o4755, uid: 70000, gid: 3, mtime: 1700000000.25 },
        { type: 'file', path: 'bin/cap', data: 'x', xattrs: { 'security.capability': binary, 'user.note': 'hello' } },
        { type: 'symlink', path: 'lib', target: 'usr/lib' },
        { type: 'hardlink', path: 'etc/passwd-', target: 'etc/passwd' },
        { type: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
        { type: 'blockdev', path: 'dev/sda', major: 8, minor: 0 },
        { type: 'fifo', path: 'run/fifo' },
    ]);
    const entries = await entriesOf(tar);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    t.is(byPath.get('etc')?.kind, 'dir');
    const passwd = byPath.get('etc/passwd');
    t.is(passwd?.kind, 'file');
    t.is(passwd?.permissions, 0o4755);
    t.is(passwd?.uid, 70000);
    t.is(passwd?.mtime, 1700000000);
    t.is(passwd?.mtimeNsec, 250000000);
    t.is(passwd?.data.toString(), 'root:x:0:0\n');
    const cap = byPath.get('bin/cap');
    t.deepEqual(Buffer.from(cap?.xattrs.get('security.capability') ?? []), Buffer.from(binary));
    t.is(Buffer.from(cap?.xattrs.get('user.note') ?? []).toString(), 'hello');
    t.is(byPath.get('lib')?.linkTarget, 'usr/lib');
    t.is(byPath.get('etc/passwd-')?.kind, 'hardlink');
    t.is(byPath.get('etc/passwd-')?.linkTarget, 'etc/passwd');
    t.like(byPath.get('dev/null'), { kind: 'chardev', devMajor: 1, devMinor: 3, permissions: 0o666 });
    t.like(byPath.get('dev/sda'), { kind: 'blockdev', devMajor: 8, devMinor: 0 });
    t.is(byPath.get('run/fifo')?.kind, 'fifo');
});
test('binary SCHILY.xattr values written by GNU tar survive byte for byte', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-tar-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'f'), 'data');
    execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x0180ff000a20', join(dir, 'f')]);
    const tar = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--format=posix', '-C', dir, '-cf', '-', 'f']);
    const [entry] = await entriesOf(tar);
    t.deepEqual(Buffer.from(entry?.xattrs.get('user.bin') ?? []), Buffer.from([0x01, 0x80, 0xff, 0x00, 0x0a, 0x20]));
});
test('PAX records: lengths are checked', (t) => {
    t.throws(() => decodePaxRecords(Buffer.from('99 path=x\n')), { instanceOf: BadTarError });
    t.throws(() => decodePaxRecords(Buffer.from('x path=x\n')), { instanceOf: BadTarError });
    t.is(decodePaxRecords(Buffer.from('11 path=ab\n')).path, 'ab');
});
test('names that escape the root are refused', async (t) => {
    for (const name of ['../etc/passwd', 'a/../../b', '/etc/passwd']) {
        t.throws(() => normalizeEntryPath(name), { instanceOf: BadTarError }, name);
    }
    t.is(normalizeEntryPath('./a//b/./c/'), 'a/b/c');
    t.is(normalizeEntryPath('./'), '');
    const tar = await buildLayerTar([{ type: 'file', path: '../escape', data: 'x' }]);
    await t.throwsAsync(entriesOf(tar), { instanceOf: BadTarError, message: /"\.\.\/escape" contains a "\.\." component/ });
    const link = await buildLayerTar([
        { type: 'file', path: 'a', data: 'x' },
        { type: 'hardlink', path: 'b', target: '../../a' },
    ]);
    await t.throwsAsync(entriesOf(link), { instanceOf: BadTarError, message: /hardlink target/ });
});
test('a truncated tar is an error', async (t) => {
    const tar = await buildLayerTar([{ type: 'file', path: 'big', data: pseudoRandomBytes(10000, 1) }]);
    await t.throwsAsync(entriesOf(tar.subarray(0, 5000)), { instanceOf: BadTarError, message: /truncated/ });
});
test('a header that lies about its size is an error', async (t) => {
    const tar = await buildLayerTar([
        { type: 'file', path: 'a', data: 'hello' },
        { type: 'file', path: 'b', data: 'world' },
    ]);
    // Claims more data than follows: the next header is read as data, and the archive runs out.
    await t.throwsAsync(entriesOf(patchSize(tar, 0, 100000)), { instanceOf: BadTarError });
    // Claims less: the reader lands inside data where it expects a header.
    const short = await buildLayerTar([{ type: 'file', path: 'a', data: pseudoRandomBytes(3000, 2) }]);
    await t.throwsAsync(entriesOf(patchSize(short, 0, 10)), { instanceOf: BadTarError });
});
test('layer compression is recognized by content and truncated gzip is an error', async (t) => {
    const tar = await buildLayerTar([{ type: 'file', path: 'a', data: pseudoRandomBytes(50000, 3) }]);
    const gz = gzipSync(tar);
    t.is(sniffCompression(gz), 'gzip');
    t.is(sniffCompression(tar), 'none');
    const ok = await entriesOf(await collect(decompressLayer(Readable.from([gz]))));
    t.is(ok[0]?.data.length, 50000);
    await t.throwsAsync(collect(decompressLayer(Readable.from([gz.subarray(0, gz.length / 2)]))), { instanceOf: DecompressError });
});
test('names that are not UTF-8 are refused, hex-escaped, wherever the name comes from', async (t) => {
    // The attack: x\377 and x\376 both became x\uFFFD and one file vanished.
    const twoNames = rawTar([
        { name: Buffer.from('x\xff', 'latin1'), data: 'one' },
        { name: Buffer.from('x\xfe', 'latin1'), data: 'two' },
    ]);
    await t.throwsAsync(entriesOf(twoNames), { instanceOf: BadTarError, message: 'entry "x\\xff" is not valid UTF-8' });
    // ustar prefix field
    const prefixed = rawTar([{ name: 'file', data: 'x' }]);
    prefixed.write('dir\xfe', 345, 'latin1');
    await t.throwsAsync(entriesOf(fixChecksum(prefixed)), { instanceOf: BadTarError, message: /"dir\\xfe\/file" is not valid UTF-8/ });
    // GNU long name (raw bytes by definition)
    const longName = Buffer.concat([Buffer.from('d/'.repeat(60)), Buffer.from([0xc3, 0x28])]);
    const gnu = rawTar([{ name: '././@LongLink', type: 'L', data: longName }, { name: 'short', data: 'x' }]);
    await t.throwsAsync(entriesOf(gnu), { instanceOf: BadTarError, message: /d\/\\xc3\(" is not valid UTF-8$/ });
    // PAX path record (UTF-8 by POSIX)
    const pax = rawTar([paxEntry({ path: Buffer.from('p\xfe', 'latin1') }), { name: 'p', data: 'x' }]);
    await t.throwsAsync(entriesOf(pax), { instanceOf: BadTarError, message: 'PAX path record "p\\xfe" is not valid UTF-8' });
    // symlink targets, from the header and from PAX linkpath
    const link = rawTar([{ name: 'l', type: '2', linkname: Buffer.from('t\x80', 'latin1') }]);
    await t.throwsAsync(entriesOf(link), { instanceOf: BadTarError, message: 'link target of "l" "t\\x80" is not valid UTF-8' });
    const paxLink = rawTar([paxEntry({ linkpath: Buffer.from('t\x80', 'latin1') }), { name: 'l', type: '2', linkname: 't' }]);
    await t.throwsAsync(entriesOf(paxLink), { instanceOf: BadTarError, message: /PAX linkpath record "t\\x80"/ });
    // an encoded surrogate (CESU-8) is not UTF-8 either
    const surrogate = rawTar([{ name: Buffer.from([0x61, 0xed, 0xa0, 0x80]), data: 'x' }]);
    await t.throwsAsync(entriesOf(surrogate), { instanceOf: BadTarError, message: /"a\\xed\\xa0\\x80"/ });
});
test('UTF-8 names come through byte for byte from every kind of name field', async (t) => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf, 0x62]); // a leading BOM is part of the name
    const long = `${'ü/'.repeat(40)}é`;
    const tar = rawTar([
        { name: 'größe', data: '1' },
        { name: bom, data: '2' },
        { name: '././@LongLink', type: 'L', data: long },
        { name: 'short', data: '3' },
        paxEntry({ path: 'pax-ß', linkpath: 'ziel-ø' }),
        { name: 'p', type: '2', linkname: 'x' },
    ]);
    const entries = await entriesOf(tar);
    t.deepEqual(entries.map((e) => Buffer.from(e.path)), [Buffer.from('größe'), bom, Buffer.from(long), Buffer.from('pax-ß')]);
    t.is(entries[3]?.linkTarget, 'ziel-ø');
});
test('negative, garbage and out-of-range numeric header fields are refused', async (t) => {
    const refused = async (entry, message) => {
        const tar = rawTar([{ name: 'f', data: '', ...entry }, { name: 'next', data: 'after' }]);
        await t.throwsAsync(entriesOf(tar), { instanceOf: BadTarError, message }, JSON.stringify(entry, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
    };
    // The attack: all-ones base-256 (-1) was read as size 0.
    await refused({ size: new Uint8Array(12).fill(0xff) }, /invalid size field \(-1;/);
    await refused({ size: base256(-5n, 12) }, /invalid size|corrupt/);
    await refused({ size: Buffer.from('0000000001x\0', 'latin1') }, /invalid size field \(not octal/);
    await refused({ size: Uint8Array.from([0x81, ...new Uint8Array(11)]) }, /base-256 marker 0x81/);
    await refused({ uid: base256(-1n, 8) }, /invalid uid field \(-1;/);
    await refused({ uid: base256(2n ** 32n, 8) }, /invalid uid field \(4294967296; allowed 0\.\.4294967295\)/);
    await refused({ gid: Buffer.from('12 34\0\0\0', 'latin1') }, /invalid gid field/);
    await refused({ mode: Buffer.from('0000644x', 'latin1') }, /invalid mode field/);
    await refused({ mtime: base256(2n ** 80n, 12) }, /invalid mtime field/);
    await refused({ type: '3', devmajor: 4096 }, /invalid devmajor field \(4096; allowed 0\.\.4095\)/);
    await refused({ type: '4', devminor: base256(-2n, 8) }, /invalid devminor field/);
    // A directory's data would be parsed as headers by tar-stream: entries no other reader sees.
    await refused({ name: 'dir/', type: '5', data: rawTar([{ name: 'smuggled', data: 'x' }]).subarray(0, 1024) }, /directory "dir\/" claims 1024 bytes/);
    for (const [key, value] of [['uid', '4294967296'], ['gid', '-1'], ['size', '1e3'], ['uid', '']]) {
        const tar = rawTar([paxEntry({ [key]: value }), { name: 'f', data: '' }]);
        await t.throwsAsync(entriesOf(tar), { instanceOf: BadTarError }, `PAX ${key}=${value}`);
    }
});
test('numeric header fields in base-256 and odd but valid octal are read exactly', async (t) => {
    const data = pseudoRandomBytes(700, 9);
    const tar = rawTar([
        { name: 'big-ids', data, size: base256(700n, 12), uid: base256(4294967295n, 8), gid: Buffer.from('  1750 \0', 'latin1'), mtime: base256(-86400n, 12) },
        { name: 'dev', type: '3', devmajor: 4095, devminor: base256(1048575n, 8) },
        // Device fields of anything but a device are not used, whatever they hold.
        { name: 'plain', data: 'p', devmajor: Buffer.from('garbage!', 'latin1') },
    ]);
    const [big, dev, plain] = await entriesOf(tar);
    t.like(big, { path: 'big-ids', size: 700, uid: 4294967295, gid: 0o1750, mtime: -86400 });
    t.deepEqual(big?.data, data);
    t.like(dev, { kind: 'chardev', devMajor: 4095, devMinor: 1048575 });
    t.like(plain, { path: 'plain', devMajor: 0, size: 1 });
});
function fixChecksum(tar, offset = 0) {
    tar.fill(0x20, offset + 148, offset + 156);
    let sum = 0;
    for (let i = 0; i < 512; i += 1)
        sum += tar[offset + i];
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, offset + 148, 'latin1');
    return tar;
}
async function collect(stream) {
    const parts = [];
    for await (const p of stream)
        parts.push(p);
    return Buffer.concat(parts);
}
/** Entries read from `tar` delivered in pieces of `size` bytes (the last one shorter). */
async function entriesInPieces(tar, size) {
    const pieces = [];
    for (let at = 0; at < tar.length; at += size)
        pieces.push(tar.subarray(at, at + size));
    const out = [];
    for await (const { entry, body } of readTarEntries(Readable.from(pieces, { objectMode: false }))) {
        const parts = [];
        for await (const piece of body)
            parts.push(Buffer.from(piece));
        out.push({ ...entry, data: Buffer.concat(parts) });
    }
    return out;
}
test('an archive reads the same whatever pieces the stream delivers, and as tar-stream reads it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-tar-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // GNU tar's own output: long names and link targets (GNU and PAX), ustar prefixes, xattrs,
    // data of every length around the block size, a hard link.
    const deep = join(dir, 'gnu', 'd'.repeat(60), 'e'.repeat(60));
    mkdirSync(deep, { recursive: true });
    for (const [i, size] of [0, 1, 511, 512, 513, 1024, 70000].entries())
        writeFileSync(join(deep, `f${i}-${'n'.repeat(90)}`), pseudoRandomBytes(size, 20 + i));
    symlinkSync(`${'t'.repeat(150)}/target`, join(deep, 'long-link'));
    linkSync(join(deep, `f6-${'n'.repeat(90)}`), join(dir, 'gnu', 'hard'));
    execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x0180ff000a20', join(dir, 'gnu', 'hard')]);
    mkdirSync(join(dir, 'posix'));
    execFileSync('cp', ['-a', join(dir, 'gnu', '.'), join(dir, 'posix')]);
    const archives = [
        execFileSync('tar', ['--format=gnu', '-C', dir, '-cf', '-', 'gnu'], { maxBuffer: 1 << 24 }),
        execFileSync('tar', ['--format=posix', '--xattrs', '--xattrs-include=*', '-C', dir, '-cf', '-', 'posix'], { maxBuffer: 1 << 24 }),
        execFileSync('tar', ['--format=ustar', '-C', join(dir, 'gnu'), '-cf', '-', `${'d'.repeat(60)}/${'e'.repeat(60)}/f3-${'n'.repeat(90)}`]),
    ];
    for (const [n, tar] of archives.entries()) {
        const whole = await entriesOf(tar);
        t.true(whole.length >= 1, `archive ${n}`);
        for (const size of [1, 7, 511, 512, 513, 4096, 65537])
            t.deepEqual(await entriesInPieces(tar, size), whole, `archive ${n} in pieces of ${size}`);
        const reference = [];
        const extract = tarStream.extract();
        for await (const entry of Readable.from([tar]).pipe(extract)) {
            const parts = [];
            for await (const piece of entry)
                parts.push(piece);
            reference.push({ name: entry.header.name, size: entry.header.size ?? 0, linkname: entry.header.linkname ?? null, data: Buffer.concat(parts) });
        }
        t.deepEqual(whole.map((e) => [e.path, e.kind === 'file' ? e.data : Buffer.alloc(0), e.linkTarget]), reference.map((r) => [normalizeEntryPath(r.name), r.data, r.linkname === null ? '' : normalizeEntryPath(r.linkname)]), `archive ${n} against tar-stream`);
    }
});
//# sourceMappingURL=tar-reader.test.js.map