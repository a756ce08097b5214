import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BadTarError, DecompressError } from '../../src/errors.js';
import { decompressLayer, sniffCompression } from '../../src/layer/decompress.js';
import { decodePaxRecords, normalizeEntryPath, readTarEntries, type TarEntry } from '../../src/layer/tar-reader.js';
import { buildLayerTar, patchSize, pseudoRandomBytes } from '../harness/layer-tar.js';

async function entriesOf(tar: Buffer): Promise<Array<TarEntry & { data: Buffer }>> {
  const out: Array<TarEntry & { data: Buffer }> = [];
  for await (const { entry, body } of readTarEntries(Readable.from([tar]))) {
    const parts: Buffer[] = [];
    for await (const piece of body) parts.push(Buffer.from(piece));
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

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}
