/**
 * A plain blob (OCI layer, file) of known digest and size, fetched through the peer network in
 * pieces and handed out in order as the pieces arrive. Per node and blob:
 *
 *   piece list here and pieces ready          → served from the cache (each piece re-checked)
 *   scheduler: nobody holds it (lease / source)→ LEAD: the whole blob from the origin, each piece
 *                                                digested as it passes; the blob's sha256 checked
 *                                                before the last piece goes out; then the piece
 *                                                list is written and the pieces committed (ready
 *                                                → announced: this node now serves them)
 *   scheduler: parents                         → FOLLOW: the piece list from a parent (waiting
 *                                                while it is still fetching), then every piece
 *                                                through the P2P source (the scheduler picks the
 *                                                parent), checked against the list before it goes
 *                                                out; a bad piece is reported and fetched again
 *                                                elsewhere (another parent, the list's holder, the
 *                                                origin); the blob's sha256 is checked before the
 *                                                last piece goes out and before anything counts
 *                                                as held (one commit at the end)
 *
 * A piece list can only be proven right by the whole blob. When the origin's bytes for a piece
 * disagree with the list, the list is wrong: its holder is reported, and the rest of the pieces
 * come from the origin alone (a list that lies about one piece may vouch for a colluding peer's
 * altered bytes on others); the blob's sha256 still decides, and what is kept is the list of the
 * bytes that passed it. Only a list whose other entries match altered bytes that were already
 * handed out can still fail the pull (at the end, before the last piece).
 *
 * A byte range (a client's Range request) takes only the pieces it overlaps when a piece list is
 * known (each checked against it; nothing is committed, since the blob was not checked whole);
 * without one this node leads the whole blob, so that it can be checked, and hands out the range.
 *
 * Pieces are chunks stored raw (pieces.ts), so the cache, the peer server, the announcer and the
 * scheduler need nothing new. One fetch per blob per node: a second request for a blob being
 * fetched waits for it and then reads the cache.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobLease, CachedBlob, ChunkWriter } from '../cache/types.js';
import type { BlobCache } from '../cache/types.js';
import { VerifiedChunk, verifyStoredRange } from '../chunk-verify.js';
import { ChunkUnavailableError, DigestMismatchError, PeerTransferError, describeError } from '../errors.js';
import type { ChunkRecord } from '../format/model.js';
import type { PeerRangeRequest, PeerSource } from '../fetch/types.js';
import { log } from '../log.js';
import type { PeerClient } from '../p2p/peer-client.js';
import type { Parent } from '../p2p/resolve-groups.js';
import type { SchedulerClient } from '../p2p/scheduler-client.js';
import type { MirrorMetrics } from './metrics.js';
import type { PieceLists } from './piece-lists.js';
import { maxPieceListBytes, parsePieceList, pieceCount, pieceExtent, pieceRecords, type PieceList } from './pieces.js';

/** The P2P parts the mirror uses (a running PeerNode's). */
export interface MirrorPeer {
  source: PeerSource;
  scheduler: Pick<SchedulerClient, 'resolve' | 'withdraw' | 'report'>;
  client: Pick<PeerClient, 'fetchPieceList' | 'fetchRange'>;
}

/** Where the blob comes from when no peer has it: the registry (client credentials) or an HTTP server. */
export interface BlobOrigin {
  /** The whole blob, from its first byte. */
  stream(signal: AbortSignal): Promise<AsyncIterable<Buffer>>;
  /** Exactly `length` bytes from `offset`. */
  readRange(offset: number, length: number, signal: AbortSignal): Promise<Buffer>;
}

export interface PlainBlobFetcherOptions {
  cache: BlobCache;
  pieceLists: PieceLists;
  peer?: MirrorPeer;
  /** Piece size of blobs this node leads (a power of two). */
  pieceSize: number;
  /** Pieces in flight at once per blob while following (default 4). */
  parallelPieces?: number;
  /** Longest wait for a parent's piece list before fetching from the origin (default 120 000 ms). */
  listWaitMs?: number;
  /** Tries of one piece from peers before the origin (default 4). */
  pieceTries?: number;
  metrics: MirrorMetrics;
}

interface Piece {
  bytes: Buffer;
  /** Fetched now (to be committed); undefined when read from the cache. */
  fresh?: VerifiedChunk;
  /** The piece's own sha256, when it disagreed with the piece list (came from the origin). */
  ownDigest?: Buffer;
}

/** What one follow learned about its piece list (shared by its pieces). */
interface ListTrust {
  /** The origin disagreed with the list: every further piece comes from the origin. */
  wrong: boolean;
}

/** A byte range of a blob: `length` bytes from `offset`. */
export interface BlobRange {
  offset: number;
  length: number;
}

/** The part of `bytes` (found at `at` in the blob) that lies within `range`. */
function within(bytes: Buffer, at: number, range: BlobRange): Buffer {
  const from = Math.max(0, range.offset - at);
  const to = Math.min(bytes.length, range.offset + range.length - at);
  return to > from ? bytes.subarray(from, to) : bytes.subarray(0, 0);
}

export class PlainBlobFetcher {
  readonly #o: PlainBlobFetcherOptions;
  readonly #running = new Map<string, Promise<void>>();

  constructor(options: PlainBlobFetcherOptions) {
    this.#o = options;
  }

  /**
   * The bytes of blob `digest` (`sha256:<hex>`, `size` bytes), in order, every one checked as
   * described above; rejects (after some bytes, possibly) when the blob cannot be had whole and
   * right: a DigestMismatchError when the origin's bytes do not match the digest. With `range`
   * (within the blob, not empty), only those bytes.
   */
  async *fetch(digest: string, size: number, origin: BlobOrigin, signal: AbortSignal, range?: BlobRange): AsyncGenerator<Buffer> {
    const id = digest.slice('sha256:'.length);
    for (let other = this.#running.get(id); other !== undefined; other = this.#running.get(id)) await other;
    let done!: () => void;
    this.#running.set(id, new Promise<void>((resolve) => (done = resolve)));
    let lease: BlobLease | undefined;
    try {
      lease = await this.#o.cache.acquire({ id, compressedSize: size, uncompressedSize: size });
      const local = await this.#o.pieceLists.get(id, size);
      if (local !== undefined) {
        yield* this.#follow(lease.blob, id, local, undefined, origin, signal, range);
        return;
      }
      const found = await this.#findList(id, size, signal);
      if (found.list !== undefined) {
        yield* this.#follow(lease.blob, id, found.list, found.provider, origin, signal, range);
      } else if (range === undefined) {
        yield* this.#lead(lease.blob, id, size, origin, signal, found.leased);
      } else {
        let at = 0;
        for await (const piece of this.#lead(lease.blob, id, size, origin, signal, found.leased)) {
          const part = within(piece, at, range);
          at += piece.length;
          if (part.length > 0) yield part;
        }
      }
    } finally {
      this.#running.delete(id);
      done();
      await lease?.release();
    }
  }

  /** Whether a parent has the piece list (then follow it), or this node leads (`leased`: it holds the scheduler's lease of piece 0). */
  async #findList(id: string, size: number, signal: AbortSignal): Promise<{ list?: PieceList; provider?: Parent; leased: boolean }> {
    const peer = this.#o.peer;
    if (peer === undefined) return { leased: false };
    const until = Date.now() + (this.#o.listWaitMs ?? 120_000);
    const bad = new Set<string>();
    // A parent that said it is fetching the blob: waited for even after its lease ran out (a large
    // blob may take longer than the lease), while it keeps saying so.
    let leader: Parent | undefined;
    while (Date.now() < until && !signal.aborted) {
      const answer = await peer.scheduler.resolve(id, [0], { exclude: [...bad], signal });
      const group = answer.groups[0];
      log.debug({ blob: id, p2p: answer.p2p, decision: group?.decision }, 'mirror: who has the blob');
      if (!answer.p2p || group === undefined || group.decision === 'SOURCE') return { leased: false };
      const parents = group.decision === 'PARENTS' ? group.parents : leader !== undefined ? [leader] : [];
      if (parents.length === 0) return { leased: true };
      let fetching: Parent | undefined;
      for (const parent of parents) {
        try {
          const bytes = await peer.client.fetchPieceList(parent.peerUrl, id, maxPieceListBytes(size), signal);
          if (bytes === 'fetching') fetching ??= parent;
          if (bytes === undefined || bytes === 'fetching') continue;
          const list = parsePieceList(bytes, size);
          if (list !== undefined) {
            if (group.decision === 'BACK_TO_SOURCE') peer.scheduler.withdraw(id, [0]);
            return { list, provider: parent, leased: false };
          }
          bad.add(parent.hostId);
          log.warn({ blob: id, parent: parent.hostId }, 'mirror: a parent sent a malformed piece list; asking another');
        } catch (err) {
          if (signal.aborted) throw err;
          log.debug({ blob: id, parent: parent.hostId, err: describeError(err) }, 'mirror: no piece list from a parent');
        }
      }
      if (group.decision === 'BACK_TO_SOURCE') {
        if (fetching === undefined) return { leased: true };
        // The leader is still at it: give the lease back and keep waiting for its list.
        peer.scheduler.withdraw(id, [0]);
      }
      leader = fetching;
      // The parents are still fetching the blob (in progress): ask again shortly.
      await sleep(250, undefined, { signal }).catch(() => undefined);
    }
    signal.throwIfAborted();
    return { leased: false };
  }

  async *#lead(blob: CachedBlob, id: string, size: number, origin: BlobOrigin, signal: AbortSignal, leased: boolean): AsyncGenerator<Buffer> {
    const { pieceSize, metrics } = this.#o;
    const n = pieceCount(size, pieceSize);
    const writer = blob.add();
    const whole = createHash('sha256');
    const digests: Buffer[] = [];
    let committed = false;
    const doneLeading = this.#o.pieceLists.leading(id);
    try {
      let piece = Buffer.allocUnsafe(pieceExtent(size, pieceSize, 0).length);
      let fill = 0;
      let last: Buffer | undefined;
      const stream = await origin.stream(signal);
      for await (const data of stream) {
        let at = 0;
        while (at < data.length) {
          if (digests.length >= n) throw new DigestMismatchError(`blob sha256:${id}`, `${size} bytes`, 'more bytes');
          const take = Math.min(piece.length - fill, data.length - at);
          data.copy(piece, fill, at, at + take);
          fill += take;
          at += take;
          if (fill < piece.length) continue;
          const index = digests.length;
          const record = this.#record(size, pieceSize, index, createHash('sha256').update(piece).digest());
          digests.push(Buffer.from(record.digest));
          whole.update(piece);
          metrics.bytes.inc({ source: 'origin' }, piece.length);
          const [verdict] = await verifyStoredRange('sha256', id, piece, record.compressedOffset, [record]);
          if (verdict?.ok !== true) throw new Error(`piece ${index} of sha256:${id} failed its own digest`);
          await writer.writeAll([verdict.chunk]);
          if (index < n - 1) {
            yield piece;
            piece = Buffer.allocUnsafe(pieceExtent(size, pieceSize, index + 1).length);
            fill = 0;
          } else last = piece;
        }
      }
      if (last === undefined) throw new ChunkUnavailableError(`blob sha256:${id}: the origin sent ${digests.length} of ${n} pieces`);
      const actual = whole.digest('hex');
      if (actual !== id) throw new DigestMismatchError(`blob from the origin`, `sha256:${id}`, `sha256:${actual}`);
      await this.#o.pieceLists.put(id, { size, pieceSize, digests });
      await writer.commit();
      committed = true;
      metrics.blobs.inc({ role: 'lead' });
      yield last;
    } finally {
      doneLeading();
      if (!committed) {
        writer.abort();
        if (leased) this.#o.peer?.scheduler.withdraw(id, [0]);
      }
    }
  }

  async *#follow(blob: CachedBlob, id: string, list: PieceList, provider: Parent | undefined, origin: BlobOrigin, signal: AbortSignal, range?: BlobRange): AsyncGenerator<Buffer> {
    const records = pieceRecords(list);
    const writer: ChunkWriter = blob.add();
    const whole = createHash('sha256');
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const pending: Array<Promise<Piece>> = [];
    const trust: ListTrust = { wrong: false };
    const corrected = new Map<number, Buffer>();
    const first = range === undefined ? 0 : Math.floor(range.offset / list.pieceSize);
    const end = range === undefined ? records.length : Math.ceil((range.offset + range.length) / list.pieceSize);
    let next = first;
    let fresh = 0;
    let committed = false;
    const start = (): void => {
      const p = this.#piece(blob, id, records[next++]!, provider, origin, both, trust);
      p.catch(() => undefined);
      pending.push(p);
    };
    try {
      const window = Math.max(1, this.#o.parallelPieces ?? 4);
      while (next < end && pending.length < window) start();
      if (range !== undefined) {
        // Part of the blob: every piece checked against the list; nothing counts as held.
        for (let i = first; i < end; i++) {
          const got = await pending.shift()!;
          if (next < end) start();
          yield within(got.bytes, records[i]!.uncompressedOffset, range);
        }
        return;
      }
      let last: Buffer | undefined;
      for (let i = 0; i < records.length; i++) {
        const got = await pending.shift()!;
        if (next < records.length) start();
        if (got.ownDigest !== undefined) corrected.set(i, got.ownDigest);
        if (got.fresh !== undefined) {
          await writer.writeAll([got.fresh]);
          fresh += 1;
        }
        whole.update(got.bytes);
        if (i < records.length - 1) yield got.bytes;
        else last = got.bytes;
      }
      const actual = whole.digest('hex');
      if (actual !== id) throw new DigestMismatchError(`blob assembled from its piece list${provider !== undefined ? ` (list from ${provider.hostId})` : ''}`, `sha256:${id}`, `sha256:${actual}`);
      if (fresh > 0) {
        // The list of the bytes that passed the blob's digest, not the wrong one received.
        await this.#o.pieceLists.put(id, corrected.size === 0 ? list : { ...list, digests: list.digests.map((d, i) => corrected.get(i) ?? d) });
        await writer.commit();
      } else writer.abort();
      committed = true;
      this.#o.metrics.blobs.inc({ role: fresh > 0 ? 'follow' : 'cached' });
      yield last!;
    } finally {
      stop.abort();
      if (!committed) writer.abort();
    }
  }

  /**
   * The origin's bytes of a piece disagree with the piece list: the list is wrong (the first time:
   * its holder is reported). The piece is taken as the origin sent it, its own digest standing in
   * for the list's until the whole blob is checked.
   */
  async #listDisagrees(id: string, record: ChunkRecord, bytes: Buffer, provider: Parent | undefined, trust: ListTrust): Promise<Piece> {
    const offset = record.uncompressedOffset;
    if (bytes.length !== record.uncompressedSize) throw new ChunkUnavailableError(`piece at ${offset} of sha256:${id}: the origin sent ${bytes.length} of ${record.uncompressedSize} bytes`);
    if (!trust.wrong) {
      trust.wrong = true;
      this.#o.metrics.badPieceLists.inc();
      if (provider !== undefined) this.#o.peer?.scheduler.report({ parentHostId: provider.hostId, blobId: id, bytes: 0, durationMs: 0, outcome: 'BAD_DATA' });
      log.warn({ blob: id, offset, parent: provider?.hostId }, 'mirror: the origin disagrees with the piece list; the list\'s holder is reported and the rest comes from the origin');
    }
    const ownDigest = createHash('sha256').update(bytes).digest();
    const [verdict] = await verifyStoredRange('sha256', id, bytes, offset, [{ ...record, digest: ownDigest }]);
    if (verdict?.ok !== true) throw new Error(`piece at ${offset} of sha256:${id} failed its own digest`);
    this.#o.metrics.bytes.inc({ source: 'origin' }, bytes.length);
    return { bytes: verdict.chunk.data, fresh: verdict.chunk, ownDigest };
  }

  #record(size: number, pieceSize: number, index: number, digest: Uint8Array): ChunkRecord {
    const { offset, length } = pieceExtent(size, pieceSize, index);
    return { blobIndex: 0, compressedOffset: offset, compressedSize: length, uncompressedOffset: offset, uncompressedSize: length, flags: 0, digest };
  }

  /** One piece, checked against its record: from the cache, a parent, the list's holder, or the origin. */
  async #piece(blob: CachedBlob, id: string, record: ChunkRecord, provider: Parent | undefined, origin: BlobOrigin, signal: AbortSignal, trust: ListTrust): Promise<Piece> {
    const { metrics, peer } = this.#o;
    const offset = record.uncompressedOffset;
    const length = record.uncompressedSize;
    if (blob.isReady(offset)) {
      const bytes = await blob.readChunk(record, 'sha256');
      if (bytes !== undefined) {
        metrics.bytes.inc({ source: 'cache' }, length);
        return { bytes };
      }
    }
    const check = async (bytes: Buffer): Promise<VerifiedChunk | undefined> => {
      const [verdict] = await verifyStoredRange('sha256', id, bytes, offset, [record]);
      return verdict?.ok === true ? verdict.chunk : undefined;
    };
    const request: PeerRangeRequest = {
      blobId: id,
      digest: `sha256:${id}`,
      offset,
      length,
      chunkOffsets: [offset],
      chunks: [{ uncompressedOffset: offset, compressedOffset: offset, compressedSize: length }],
      priority: 'demand',
    };
    let providerBad = trust.wrong;
    if (peer !== undefined && !trust.wrong) {
      for (let attempt = 0; attempt < (this.#o.pieceTries ?? 4); attempt++) {
        const started = Date.now();
        let answer = await peer.source.readRange(request, signal).catch((err: unknown) => {
          if (signal.aborted) throw err;
          return undefined;
        });
        if (answer !== undefined && (answer.unserved?.length ?? 0) > 0) answer = undefined;
        if (answer === undefined) break;
        const chunk = await check(answer.bytes);
        if (chunk !== undefined) {
          peer.source.report?.({ request, outcome: 'peer-ok', peer: answer.peer, bytes: length, durationMs: Date.now() - started });
          metrics.bytes.inc({ source: 'peer' }, length);
          return { bytes: chunk.data, fresh: chunk };
        }
        metrics.badPieces.inc();
        peer.source.report?.({ request, outcome: 'peer-bad-data', peer: answer.peer, durationMs: Date.now() - started, badChunkOffsets: [offset] });
      }
      // Declined (nobody else to ask, or a lease): the node the list came from holds every piece;
      // a loaded holder gets a few tries before the origin is asked.
      for (let attempt = 0; provider !== undefined && !providerBad && attempt < (this.#o.pieceTries ?? 4); attempt++) {
        if (attempt > 0) await sleep(250 * attempt, undefined, { signal });
        const started = Date.now();
        try {
          const { bytes } = await peer.client.fetchRange({ peerUrl: provider.peerUrl, blobId: id, range: { offset, length }, signal });
          const chunk = await check(bytes);
          if (chunk !== undefined) {
            peer.source.report?.({ request, outcome: 'origin-ok', durationMs: Date.now() - started });
            metrics.bytes.inc({ source: 'peer' }, length);
            return { bytes: chunk.data, fresh: chunk };
          }
          providerBad = true;
          metrics.badPieces.inc();
          peer.scheduler.report({ parentHostId: provider.hostId, blobId: id, bytes: length, durationMs: Date.now() - started, outcome: 'BAD_DATA' });
          log.warn({ blob: id, parent: provider.hostId, offset }, 'mirror: a piece from the piece list\'s holder failed verification; reported');
        } catch (err) {
          if (signal.aborted) throw err;
          if (!(err instanceof PeerTransferError)) throw err;
          if (err.reason === 'not_held') break;
        }
      }
    }
    const started = Date.now();
    try {
      const bytes = await origin.readRange(offset, length, signal);
      const chunk = await check(bytes);
      if (chunk === undefined) return await this.#listDisagrees(id, record, bytes, provider, trust);
      peer?.source.report?.({ request, outcome: 'origin-ok', durationMs: Date.now() - started, verified: [{ uncompressedOffset: offset, compressedOffset: offset, stored: chunk.stored }] });
      metrics.bytes.inc({ source: 'origin' }, length);
      return { bytes: chunk.data, fresh: chunk };
    } catch (err) {
      peer?.source.report?.({ request, outcome: 'origin-failed', durationMs: Date.now() - started, error: err });
      throw err;
    }
  }
}
