/**
 * Hostile variants of the RAFS v6 bootstraps darner writes (format version 2): the darner mark's
 * own rules, and the rules the reader adds for a bootstrap carrying it (everything darner's
 * writer guarantees beyond Nydus's rules). The Nydus-level rules: nydus-v6.test.ts; darner's own
 * layout (v1): hostile.test.ts.
 */
import test from 'ava';
import { MalformedBootstrapError } from '../../src/errors.js';
import { Bootstrap, DARNER_MARK_OFFSET, RAFS_CHUNK_RECORD_SIZE, decodeRafsExtSuperblock, writeBootstrap } from '../../src/format/index.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { exercise, reseal } from './helpers/exercise.js';

const basic = writeBootstrap(basicModel());
const multi = writeBootstrap(multiblobModel());
const SLOTS = 0x580;

function nidOf(bs: Bootstrap, path: string): number {
  let n = bs.rootNid;
  for (const name of path.split('/').filter(Boolean)) n = bs.lookup(n, name)!;
  return n;
}

type Case = [name: string, source: Buffer, mutate: (b: Buffer, bs: Bootstrap) => unknown, message: RegExp, options?: { seal?: boolean }];

const cases: Case[] = [
  ['checksum', basic, (b) => void (b[b.length - 1]! ^= 1), /^darner mark: checksum 0x[0-9a-f]+ does not match the computed 0x/, { seal: false }],
  ['checksum of an inode byte', multi, (b, bs) => void (b[bs.image.locate(nidOf(bs, '/crowd')).offset + 0x20]! ^= 1), /^darner mark: checksum/, { seal: false }],
  ['version', basic, (b) => b.writeUInt16LE(3, DARNER_MARK_OFFSET + 8), /^darner mark: format version 3 not supported/],
  ['flags', basic, (b) => b.writeUInt32LE(1, DARNER_MARK_OFFSET + 0x0c), /^darner mark: unknown flags 0x1$/],
  ['reserved', basic, (b) => void (b[DARNER_MARK_OFFSET + 0x30] = 1), /^darner mark: reserved byte 48 is not zero$/],
  ['trailing block', basic, (b) => Buffer.concat([b, Buffer.alloc(4096)]), /^RAFS extended superblock: chunk table \[\d+, \d+\) is not the block-aligned end of the image/],
  ['device tag', multi, (b) => void (b[SLOTS]! ^= 1), /^blob table entry 0: device slot 0 has tag "[^"]+", not the blob id$/],
  ['mapped_blkaddr', multi, (b) => b.writeUInt32LE(0, SLOTS + 128 + 0x44), /^blob table entry 1: device slot 1 has mapped_blkaddr 0 \(expected \d+\)$/],
  ['superblock blocks', multi, (b) => b.writeUInt32LE(7, 0x424), /^superblock: blocks 7 but the blobs span \d+$/],
  ['chunk-info index twice', multi, (b) => {
    const ext = decodeRafsExtSuperblock(b);
    // Records 0 and 1 are both in blob 0; give record 1 the chunk-info index of record 0.
    b.writeUInt32LE(b.readUInt32LE(ext.chunkTableOffset + 0x48), ext.chunkTableOffset + RAFS_CHUNK_RECORD_SIZE + 0x48);
  }, /^chunk table entry 1: chunk-info index \d+ of blob 0 is used twice$/],
  ['prefetch of a directory', basic, (b, bs) => b.writeUInt32LE(nidOf(bs, '/etc'), decodeRafsExtSuperblock(b).prefetchTableOffset), /^prefetch entry 0: nid \d+ is a dir, not a regular file$/],
  ['one chunk of 2^k for a file', basic, (b, bs) => {
    // Nydus may name one larger chunk for a contiguous file; darner's writer never does.
    const loc = bs.image.locate(nidOf(bs, '/usr/bin/tool'));
    b.writeUInt32LE(0x20 | 6, loc.offset + 0x10);
  }, /^inode \d+: chunk size 2\^18 differs from the image's 65536$/],
];

for (const [name, source, mutate, message, options] of cases) {
  test(`hostile darner RAFS v6: ${name}`, (t) => {
    let bytes: Buffer = Buffer.from(source);
    const replaced = mutate(bytes, Bootstrap.parse(source));
    if (Buffer.isBuffer(replaced)) bytes = replaced;
    if (options?.seal !== false) reseal(bytes);
    const err = t.throws(() => exercise(bytes), { instanceOf: MalformedBootstrapError });
    t.regex(err?.message ?? '', message);
  });
}

test('without the mark the same bytes are read as a Nydus bootstrap, by Nydus rules', (t) => {
  const bytes = Buffer.from(multi);
  bytes.fill(0, DARNER_MARK_OFFSET, DARNER_MARK_OFFSET + 64);
  const bs = exercise(bytes);
  t.is(bs.format, 'rafs-v6');
  t.is(bs.formatVersion, undefined);
});

test('the unmodified bootstraps pass the same full exercise', (t) => {
  t.is(exercise(basic).formatVersion, 2);
  t.is(exercise(multi).formatVersion, 2);
});
