import test from 'ava';
import type { BlobReader } from '../../src/blob/blob-reader.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, blobRanges, fetchesIdle, makeEngine, type Fixture } from './fixture.js';

const KiB = 1024;
const CHUNK = 64 * KiB;

const FILES: Record<string, Buffer> = {};
for (let i = 1; i <= 4; i++) FILES[`p/x${i}`] = pseudoRandomBytes(256 * KiB, i);
for (let i = 1; i <= 8; i++) FILES[`q/y${i}`] = pseudoRandomBytes(256 * KiB, 10 + i);

let fixture: Fixture;
beforeAllFixture(FILES, { chunkSize: CHUNK, prefetch: ['/p'] }, (f) => (fixture = f));

test.serial('prefetchFiles fetches the prefetch list; reading those files afterwards fetches nothing', async (t) => {
  // Sequential read-ahead off: reading x1..x4 in stored order would otherwise fetch the q files.
  const { fetcher } = await makeEngine(t, { sequentialReadAheadBytes: 0 });
  const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
  t.teardown(() => reader.close());
  t.deepEqual(
    fixture.bootstrap.prefetchNids,
    [1, 2, 3, 4].map((i) => fixture.nid(`/p/x${i}`)),
  );
  const summary = await reader.prefetchFiles();
  t.like(summary, { chunks: 16, cached: 0, fetched: 16, failed: 0, cancelled: false });
  fixture.proxy.reset();
  for (let i = 1; i <= 4; i++) t.true((await reader.read(fixture.nid(`/p/x${i}`), 0, 256 * KiB)).equals(FILES[`p/x${i}`]!));
  t.is(fixture.proxy.bytesServed('blob'), 0);
  t.like(await reader.prefetchFiles(), { chunks: 16, cached: 16, fetched: 0 });
});

test.serial('prefetchAll fills the cache at its rate and on-demand reads overtake it', async (t) => {
  // Two slots: prefetch may hold one, so the demand read never waits for a prefetch.
  const { fetcher, metrics } = await makeEngine(t, { maxConcurrentFetches: 2, readAhead: false });
  // The prefetch's requests (bulk) wait at a gate until the demand read is answered: the read
  // overtakes a prefetch that is provably still going, however fast or slow the machine is.
  const registry = fixture.source.blobReader();
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const origin: BlobReader = {
    readRange: async (digest, offset, length, signal, options) => {
      if (options?.bulk === true) await gate;
      return registry.readRange(digest, offset, length, signal, options);
    },
  };
  const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin });
  t.teardown(() => reader.close());
  fixture.proxy.reset();
  let prefetchDone = false;
  // 3 MiB at 1 MiB/s after a 1 MiB burst.
  const all = reader.prefetchAll({ bytesPerSecond: 1024 * KiB }).then((s) => {
    prefetchDone = true;
    return s;
  });
  const last = fixture.nid('/q/y8');
  t.true((await reader.read(last, 0, 256 * KiB)).equals(FILES['q/y8']!));
  t.false(prefetchDone, 'the read finished while the prefetch was still going');
  openGate();
  const summary = await all;
  const y8 = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(last)[0]!);
  const ranges = blobRanges(fixture.proxy);
  const demandAt = ranges.findIndex(([a, b]) => a <= y8.compressedOffset && y8.compressedOffset < b);
  t.true(demandAt >= 0 && demandAt < ranges.length - 1, `y8 was request ${demandAt} of ${ranges.length}, before the prefetch got there`);
  t.is(summary.failed, 0);
  t.is(summary.cached + summary.fetched, summary.chunks);
  t.is(summary.chunks, 48);
  t.true(summary.cached >= 4, 'y8 was already cached when the prefetch reached it');
  await fetchesIdle(metrics);
  const fetchedBytes = fixture.proxy.bytesServed('blob');
  const stored = fixture.bootstrap.blobs.reduce((s, b) => s + (b.chunkInfoOffset ?? b.compressedSize), 0);
  t.is(fetchedBytes, stored, 'every stored byte fetched exactly once');
  fixture.proxy.reset();
  for (const [path, data] of fixture.files) t.true((await reader.read(fixture.nid(path), 0, data.length)).equals(data));
  t.is(fixture.proxy.bytesServed('blob'), 0, 'everything was cached');
});

test.serial('prefetchAll starts where startAt says and wraps around, fetching every byte once', async (t) => {
  // One slot, no read-ahead: the registry sees the prefetch's ranges in the walk's order.
  const { fetcher, metrics } = await makeEngine(t, { maxConcurrentFetches: 1, readAhead: false, maxRequestBytes: 256 * KiB });
  const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
  t.teardown(() => reader.close());
  fixture.proxy.reset();
  let planned = 0;
  const summary = await reader.prefetchAll({ startAt: (ranges) => Math.floor((planned = ranges) / 2) });
  await fetchesIdle(metrics);
  t.like(summary, { chunks: 48, failed: 0 });
  t.true(planned >= 4, `${planned} ranges`);
  const ranges = blobRanges(fixture.proxy).map(([a]) => a);
  t.is(ranges.length, planned);
  const sorted = [...ranges].sort((x, y) => x - y);
  // The walk begins at the middle range, runs to the end, then takes the first half.
  const middle = Math.floor(planned / 2);
  t.deepEqual(ranges, [...sorted.slice(middle), ...sorted.slice(0, middle)]);
  const stored = fixture.bootstrap.blobs.reduce((sum, blob) => sum + (blob.chunkInfoOffset ?? blob.compressedSize), 0);
  t.is(fixture.proxy.bytesServed('blob'), stored, 'every stored byte fetched exactly once');
});

test.serial('close() cancels a running prefetch', async (t) => {
  const { fetcher } = await makeEngine(t, { maxConcurrentFetches: 2 });
  const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
  fixture.proxy.reset();
  const all = reader.prefetchAll({ bytesPerSecond: 64 * KiB });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await reader.close();
  const summary = await all;
  t.true(summary.cancelled);
  t.true(summary.fetched < summary.chunks, `${summary.fetched} of ${summary.chunks} fetched`);
});

/** Reads a file in 128 KiB pieces, as FUSE hands reads over, and checks its bytes. */
async function readFile(t: { true(v: boolean, m?: string): void }, reader: { read(nid: number, offset: number, length: number): Promise<Buffer> }, path: string): Promise<void> {
  const want = FILES[path]!;
  const parts: Buffer[] = [];
  for (let at = 0; at < want.length; at += 128 * KiB) parts.push(await reader.read(fixture.nid(`/${path}`), at, 128 * KiB));
  t.true(Buffer.concat(parts).equals(want), `${path} read back`);
}

test.serial('sequential read-ahead: a file read through gets its next chunks fetched ahead, never the next file; random reads do not', async (t) => {
  // 256 KiB files are large here: read-ahead follows each of them on its own.
  const options = { readAhead: false, maxRequestBytes: 128 * KiB, smallFileBytes: 64 * KiB, sequentialReadAheadBytes: 512 * KiB, sequentialStartBytes: 128 * KiB };
  const { fetcher, metrics } = await makeEngine(t, options);
  const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
  t.teardown(() => reader.close());
  fixture.proxy.reset();
  for (let at = 0; at < 256 * KiB; at += CHUNK) t.true((await reader.read(fixture.nid('/q/y1'), at, CHUNK)).equals(FILES['q/y1']!.subarray(at, at + CHUNK)));
  await fetchesIdle(metrics);
  t.is(fixture.proxy.bytesServed('blob'), 256 * KiB, 'the file, and nothing of the next one');
  t.true(blobRanges(fixture.proxy).length < 4, `its last chunks came ahead of the reads, in one request (${blobRanges(fixture.proxy).length} requests for 4 chunks)`);
  fixture.proxy.reset();
  await readFile(t, reader, 'q/y2');
  t.true(fixture.proxy.bytesServed('blob') > 0, 'the next file was not fetched ahead');

  // Reads jumping around the blob, on an empty cache: only what is read is fetched.
  const other = await makeEngine(t, options);
  const random = await other.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
  t.teardown(() => random.close());
  fixture.proxy.reset();
  for (const i of [8, 2, 6, 4]) t.true((await random.read(fixture.nid(`/q/y${i}`), 0, CHUNK)).equals(FILES[`q/y${i}`]!.subarray(0, CHUNK)));
  await fetchesIdle(other.metrics);
  t.is(fixture.proxy.bytesServed('blob'), 4 * CHUNK);
});
