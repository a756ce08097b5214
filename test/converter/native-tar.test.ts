import test from 'ava';
import { BadTarError } from '../../src/errors.js';
import type { FileNode } from '../../src/format/model.js';
import { readTarEntries, type TarEntry } from '../../src/layer/tar-reader.js';
import { BatchBuffers } from '../../converter/batch-buffers.js';
import { ChunkStore } from '../../converter/chunk-store.js';
import { LayerChunker } from '../../converter/layer-chunker.js';
import { readLayerNative } from '../../converter/native-layer.js';
import { chunkDigestsOfRanges } from '../../src/digest.js';
import { Readable } from 'node:stream';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { paxEntry, rawHeader, rawTar } from './raw-tar.js';

/**
 * The converter's native tar framing (native/src/tarframe.rs with converter/native-layer.ts)
 * against hostile input: what it refuses, it refuses as BadTarError, and what it reads it reads
 * as the stream reader (readTarEntries) does.
 */

const CHUNK = 4096;

interface Read {
  entries: TarEntry[];
  /** Per regular file, the digests of its chunks in order (as the chunker recorded them). */
  chunks: number[][];
}

/** Reads `tar` through the native framing, handed over in pieces of `piece` bytes. */
async function readNative(tar: Buffer, piece = 1000): Promise<Read> {
  const store = new ChunkStore(CHUNK, 'blake3');
  const chunker = new LayerChunker({
    chunkSize: CHUNK,
    compressor: 'none',
    store,
    digest: (data, lengths) => chunkDigestsOfRanges('blake3', data, lengths),
    buffers: new BatchBuffers(2, 2 * CHUNK),
  });
  const entries: TarEntry[] = [];
  const files: FileNode[] = [];
  const pieces = async function* (): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < tar.length; at += piece) yield tar.subarray(at, at + piece);
  };
  try {
    await readLayerNative(pieces(), chunker, CHUNK, (entry) => {
      entries.push(entry);
      if (entry.kind !== 'file') return undefined;
      const node: FileNode = { kind: 'file', size: entry.size, chunks: [], permissions: 0, uid: 0, gid: 0, mtime: 0, mtimeNsec: 0, xattrs: new Map() };
      files.push(node);
      return node;
    });
    await chunker.finish();
  } catch (err) {
    await chunker.abort();
    throw err;
  }
  return { entries, chunks: files.map((f) => f.chunks) };
}

async function readStream(tar: Buffer): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const { entry, body } of readTarEntries(Readable.from([tar]))) {
    out.push(entry);
    for await (const _ of body);
  }
  return out;
}

const file = (name: string, data: Buffer | string) => ({ name, data });

test('a well-formed archive reads as the stream reader reads it, whatever the piece size', async (t) => {
  const big = pseudoRandomBytes(3 * CHUNK + 77, 3);
  const tar = rawTar([
    { name: 'dir/', type: '5' },
    file('dir/a', 'hello'),
    paxEntry({ path: 'dir/long-'.padEnd(150, 'x'), mtime: '1.5', 'SCHILY.xattr.user.k': 'v' }),
    file('ignored-by-pax', big),
    { name: 'dir/zero', data: Buffer.alloc(2 * CHUNK) },
    { name: 'link', type: '2', linkname: 'dir/a' },
    { name: 'hard', type: '1', linkname: 'dir/a' },
    { name: 'empty', data: '' },
  ]);
  const expected = await readStream(tar);
  for (const piece of [1, 511, 512, 4096, 100000]) {
    const read = await readNative(tar, piece);
    t.deepEqual(read.entries, expected, `pieces of ${piece}`);
    // dir/a, the big file (4 chunks), dir/zero (2 chunks, one stored), empty (none).
    t.deepEqual(read.chunks.map((c) => c.length), [1, 4, 2, 0], `pieces of ${piece}`);
    t.is(read.chunks[2]?.[0], read.chunks[2]?.[1], 'the two all-zero chunks are one chunk');
  }
});

test('a truncated archive is refused: in a header, in an extension record, in file data', async (t) => {
  const tar = rawTar([file('a', pseudoRandomBytes(3000, 1)), paxEntry({ path: 'b' }), file('x', 'y')]);
  for (const end of [100, 512 + 1000, 4096 + 20]) {
    await t.throwsAsync(readNative(tar.subarray(0, end)), { instanceOf: BadTarError, message: /truncated/ }, `cut at ${end}`);
  }
});

test('a header with a bad checksum is refused', async (t) => {
  const tar = rawTar([file('a', 'hello'), file('b', 'world')]);
  tar[1024] = 'c'.charCodeAt(0); // b's name, after its checksum was written
  await t.throwsAsync(readNative(tar), { instanceOf: BadTarError, message: /Invalid tar header/ });
});

test('an extension record longer than 4 MiB is refused before it is read', async (t) => {
  const header = rawHeader({ name: 'PaxHeader', type: 'x', size: 4 * 1024 * 1024 + 1 });
  // Only the header: a reader that tried to gather the record would report truncation instead.
  await t.throwsAsync(readNative(Buffer.concat([header, Buffer.alloc(1024)])), { instanceOf: BadTarError, message: /exceeds max size/ });
});

test('a huge PAX record length and a PAX size that is not a number are refused', async (t) => {
  const hugeLength = rawTar([{ name: 'PaxHeader', type: 'x', data: '99999999999999999999 path=a\n' }, file('a', 'x')]);
  await t.throwsAsync(readNative(hugeLength), { instanceOf: BadTarError, message: /malformed PAX header/ });
  const badSize = rawTar([paxEntry({ size: '12abc' }), file('a', 'x')]);
  await t.throwsAsync(readNative(badSize), { instanceOf: BadTarError });
});

test('a size field that runs past the end of the archive is refused', async (t) => {
  const tar = rawTar([file('a', 'hello'), file('b', 'world')]);
  const lying = Buffer.from(tar);
  const header = rawHeader({ name: 'a', data: 'hello', size: 1 << 30 });
  header.copy(lying, 0);
  await t.throwsAsync(readNative(lying), { instanceOf: BadTarError, message: /truncated/ });
  const paxLying = rawTar([paxEntry({ size: String(1 << 30) }), file('a', 'hello')]);
  await t.throwsAsync(readNative(paxLying), { instanceOf: BadTarError, message: /truncated/ });
});

test('names that escape the root stay refused', async (t) => {
  for (const name of ['../etc/passwd', '/etc/passwd', 'a/../../b']) {
    await t.throwsAsync(readNative(rawTar([file(name, 'x')])), { instanceOf: BadTarError, message: /absolute path|"\.\." component/ }, name);
  }
  const viaPax = rawTar([paxEntry({ path: '../../x' }), file('a', 'x')]);
  await t.throwsAsync(readNative(viaPax), { instanceOf: BadTarError, message: /"\.\." component/ });
  const viaLink = rawTar([file('a', 'x'), { name: 'b', type: '1', linkname: '../../a' }]);
  await t.throwsAsync(readNative(viaLink), { instanceOf: BadTarError, message: /hardlink target/ });
});

test('a directory that claims data is refused, not framed as a file', async (t) => {
  const tar = rawTar([{ name: 'd', type: '5', data: rawHeader({ name: 'smuggled', data: '' }) }]);
  await t.throwsAsync(readNative(tar), { instanceOf: BadTarError, message: /claims 512 bytes/ });
});
