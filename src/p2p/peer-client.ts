/**
 * The P2P peer's download side, one transfer at a time: a registry-shaped blob Range GET to a
 * parent peer (peer-protocol.ts), with the cluster token, bounded in time twice — until the
 * answer starts (`firstByteTimeoutMs`, plus the in-progress wait the requester asked for) and
 * for the body (the range at `minBytesPerSecond`, plus `firstByteTimeoutMs`) — and read through
 * the host's download rate limit. Every failure is a PeerTransferError with a reason the peer
 * source turns into a scheduler report. The bytes are not verified here: the fetch path
 * verifies every chunk of them.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { PeerTransferError } from '../errors.js';
import { deadline } from '../util/deadline.js';
import { PEER_HEADER, WAIT_HEADER, contentRangeMatches, peerBlobPath, pieceListPath, rangeHeader, type ByteRange, type PieceListAnswer } from './peer-protocol.js';
import type { PeerTlsFiles } from './peer-server.js';
import type { RateLimiter } from './rate-limit.js';

export interface PeerClientOptions {
  token?: string;
  /** CA to verify parents' certificates with; cert/key are presented for mTLS. */
  tls?: Partial<PeerTlsFiles>;
  /** Time allowed until a parent's answer starts (default 2000 ms), on top of any in-progress wait. */
  firstByteTimeoutMs?: number;
  /** A body slower than this (bytes/s, over the whole range) is given up as slow (default 1 MB/s). */
  minBytesPerSecond?: number;
  /** The host's download limit, shared by every transfer. */
  limiter?: RateLimiter;
}

export interface RangeFetch {
  /** Base URL of the parent's data plane (as it registered: http(s)://host:port). */
  peerUrl: string;
  blobId: string;
  range: ByteRange;
  /** Ask the parent to hold the request this long for chunks it is fetching now (in_progress). */
  waitMs?: number;
  signal?: AbortSignal;
  /** Called with each piece's size as it arrives (metrics). */
  onBytes?: (n: number) => void;
}

export class PeerClient {
  readonly #dispatcher: Dispatcher;
  readonly #token: string | undefined;
  readonly #firstByteMs: number;
  readonly #minRate: number;
  readonly #limiter: RateLimiter | undefined;

  constructor(options: PeerClientOptions = {}) {
    this.#token = options.token;
    this.#firstByteMs = options.firstByteTimeoutMs ?? 2000;
    this.#minRate = options.minBytesPerSecond ?? 1_000_000;
    this.#limiter = options.limiter;
    const tls = options.tls;
    this.#dispatcher = new Agent({
      connections: 64,
      keepAliveTimeout: 20_000,
      connect: {
        timeout: this.#firstByteMs,
        ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls?.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : {}),
      },
    });
  }

  /** Exactly `range.length` bytes of the blob from the parent, or a PeerTransferError. */
  async fetchRange(f: RangeFetch): Promise<{ bytes: Buffer; servedBy: string | undefined }> {
    const url = `${f.peerUrl.replace(/\/+$/, '')}${peerBlobPath(f.blobId)}`;
    const waitMs = Math.max(0, Math.floor(f.waitMs ?? 0));
    const headers: Record<string, string> = { range: rangeHeader(f.range) };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (waitMs > 0) headers[WAIT_HEADER] = String(waitMs);
    // Phase 1: until the answer starts. Phase 2: the body, at the minimum rate.
    const phase = new AbortController();
    let slow = false;
    let timer = setTimeout(() => phase.abort(), waitMs + this.#firstByteMs);
    // The caller's abort forwarded into the phase's controller, which the timer holds: a signal
    // from AbortSignal.any can be collected in Node 20 and never abort the request (util/deadline.ts).
    const forward = (): void => phase.abort(f.signal?.reason);
    if (f.signal?.aborted === true) forward();
    else f.signal?.addEventListener('abort', forward, { once: true });
    const signal = phase.signal;
    const what = `GET ${url} ${headers.range}`;
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { dispatcher: this.#dispatcher, method: 'GET', headers, signal });
      } catch (err) {
        if (f.signal?.aborted) throw f.signal.reason;
        throw new PeerTransferError('unreachable', `${what}: ${phase.signal.aborted ? 'no answer in time' : (err as Error).message}`, { cause: err });
      }
      const status = res.statusCode;
      if (status !== 206) {
        res.body.on('error', () => {});
        res.body.destroy();
        const reason = status === 503 || status === 429 ? 'busy' : status === 404 ? 'not_held' : status === 401 || status === 403 ? 'refused' : status >= 500 ? 'unreachable' : 'bad_answer';
        const retryAfterMs = reason === 'busy' ? retryAfterToMs(res.headers['retry-after']) : undefined;
        throw new PeerTransferError(reason, `${what}: HTTP ${status}`, retryAfterMs !== undefined ? { retryAfterMs } : undefined);
      }
      const cr = res.headers['content-range'];
      const length = Number(res.headers['content-length']);
      if (!contentRangeMatches(Array.isArray(cr) ? cr[0] : cr, f.range) || (res.headers['content-length'] !== undefined && length !== f.range.length)) {
        res.body.on('error', () => {});
        res.body.destroy();
        throw new PeerTransferError('bad_answer', `${what}: answered another range (${String(cr)}, ${String(res.headers['content-length'])} bytes)`);
      }
      clearTimeout(timer);
      timer = setTimeout(() => {
        slow = true;
        phase.abort();
      }, this.#firstByteMs + (f.range.length / this.#minRate) * 1000);
      const bytes = Buffer.allocUnsafe(f.range.length);
      let got = 0;
      try {
        for await (const piece of res.body as AsyncIterable<Buffer>) {
          if (got + piece.length > bytes.length) throw new PeerTransferError('bad_answer', `${what}: more than ${f.range.length} bytes`);
          piece.copy(bytes, got);
          got += piece.length;
          f.onBytes?.(piece.length);
          await this.#limiter?.take(piece.length, signal);
        }
      } catch (err) {
        if (err instanceof PeerTransferError) throw err;
        if (f.signal?.aborted) throw f.signal.reason;
        if (slow) throw new PeerTransferError('slow', `${what}: slower than ${this.#minRate} bytes/s (${got} of ${f.range.length} bytes)`);
        throw new PeerTransferError('unreachable', `${what}: body failed after ${got} bytes: ${(err as Error).message}`, { cause: err });
      }
      if (got !== f.range.length) throw new PeerTransferError('bad_answer', `${what}: ${got} of ${f.range.length} bytes`);
      const servedBy = res.headers[PEER_HEADER];
      return { bytes, servedBy: Array.isArray(servedBy) ? servedBy[0] : servedBy };
    } finally {
      clearTimeout(timer);
      f.signal?.removeEventListener('abort', forward);
    }
  }

  /**
   * The piece list of blob `blobId` from the parent (src/mirror/pieces.ts), at most `maxBytes`;
   * undefined when the parent does not hold the whole blob (404); while the parent fetches it
   * (202), the part it verified so far ({ partial }), or 'fetching' when it sent none. Unparsed:
   * the caller checks it.
   */
  async fetchPieceList(peerUrl: string, blobId: string, maxBytes: number, signal?: AbortSignal): Promise<PieceListAnswer> {
    const url = `${peerUrl.replace(/\/+$/, '')}${pieceListPath(blobId)}`;
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    const limit = deadline(Math.ceil(this.#firstByteMs + (maxBytes / this.#minRate) * 1000), ...(signal !== undefined ? [signal] : []));
    try {
      return await this.#pieceList(url, headers, maxBytes, limit.signal, signal);
    } finally {
      limit.dispose();
    }
  }

  async #pieceList(url: string, headers: Record<string, string>, maxBytes: number, both: AbortSignal, signal: AbortSignal | undefined): Promise<PieceListAnswer> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher: this.#dispatcher, method: 'GET', headers, signal: both });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new PeerTransferError('unreachable', `GET ${url}: ${(err as Error).message}`, { cause: err });
    }
    const partial = res.statusCode === 202 && res.headers['content-type'] === 'application/octet-stream';
    if (res.statusCode !== 200 && !partial) {
      res.body.on('error', () => {});
      res.body.destroy();
      if (res.statusCode === 404) return undefined;
      if (res.statusCode === 202) return 'fetching';
      throw new PeerTransferError(res.statusCode === 503 ? 'busy' : res.statusCode === 401 || res.statusCode === 403 ? 'refused' : 'bad_answer', `GET ${url}: HTTP ${res.statusCode}`);
    }
    const parts: Buffer[] = [];
    let got = 0;
    try {
      for await (const piece of res.body as AsyncIterable<Buffer>) {
        got += piece.length;
        if (got > maxBytes) throw new PeerTransferError('bad_answer', `GET ${url}: more than ${maxBytes} bytes`);
        parts.push(piece);
      }
    } catch (err) {
      res.body.destroy();
      if (err instanceof PeerTransferError) throw err;
      if (signal?.aborted) throw signal.reason;
      throw new PeerTransferError('unreachable', `GET ${url}: body failed: ${(err as Error).message}`, { cause: err });
    }
    return partial ? { partial: Buffer.concat(parts) } : Buffer.concat(parts);
  }

  async close(): Promise<void> {
    await this.#dispatcher.destroy().catch(() => undefined);
  }
}

/** A Retry-After of whole seconds (a parent's 503) in ms; undefined when absent or not a small number (dates are not used). */
export function retryAfterToMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}
