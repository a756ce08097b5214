/**
 * The daemon's `[p2p]` configuration turned into a running PeerNode: token and certificate
 * files read, a stable host id (kept in the state directory), the listen address parsed.
 * P2P is off (undefined) when no scheduler is configured.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { PieceListAnswer } from './peer-protocol.js';
import type { BlobCache } from '../cache/types.js';
import { ConfigError } from '../errors.js';
import type { ChunkFetcher } from '../fetch/types.js';
import { parseHostPort } from './address.js';
import { PeerNode } from './peer.js';
import { UNAUTHENTICATED_PEER } from './peer-server.js';
import { envToken, readTokenFile } from './token-file.js';

/** The daemon's `[p2p]` settings (keys and defaults: src/daemon/config.ts); P2P is off while `schedulers` is empty. */
export interface P2PConfig {
  schedulers: string[];
  listen: string;
  advertise?: string;
  hostId?: string;
  seed: boolean;
  tokenFile?: string;
  /** Serve other peers without a token or mTLS (the daemon refuses to start that way otherwise). */
  insecure: boolean;
  maxUploads: number;
  uploadBandwidth: number;
  /** A requester taking fewer bytes/s than this over `uploadRateWindowMs` of waiting loses its upload (0: off). */
  minUploadRate: number;
  uploadRateWindowMs: number;
  downloadBandwidth: number;
  minPeerThroughput: number;
  /** Deadline of a resolve call; past it the read goes to the origin (and the client reconnects). */
  resolveTimeoutMs: number;
  /** Busy parents: the total wait of a range before the origin, and its backoff (busy-retry.ts). */
  busyWaitMs: number;
  busyRetryMinMs: number;
  busyRetryMaxMs: number;
  labels: Record<string, string>;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

const HOST_ID_FILE = 'peer-id';

/** The host id kept in `stateDir` (created on first start: host name + random suffix). */
export async function stableHostId(stateDir: string): Promise<string> {
  const file = join(stateDir, HOST_ID_FILE);
  const existing = await readFile(file, 'utf8').then((s) => s.trim(), () => '');
  if (/^[A-Za-z0-9._:-]{1,253}$/.test(existing)) return existing;
  const base = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 200) || 'node';
  const id = `${base}-${randomBytes(4).toString('hex')}`;
  await writeFile(file, `${id}\n`, { mode: 0o644 });
  return id;
}

async function load(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`, { cause: err });
  }
}

export interface DaemonPeerDeps {
  cache: BlobCache;
  fetcher: ChunkFetcher;
  metrics: Registry;
  stateDir: string;
  /** Piece lists of plain blobs held entirely (the registry mirror's), served to peers. */
  pieceList?: (blobId: string) => Promise<PieceListAnswer>;
}

export async function startDaemonPeer(p: P2PConfig, deps: DaemonPeerDeps): Promise<PeerNode | undefined> {
  if (p.schedulers.length === 0) return undefined;
  const token = p.tokenFile !== undefined ? await readTokenFile(p.tokenFile) : envToken();
  const cert = p.tlsCert !== undefined ? await load(p.tlsCert) : undefined;
  const key = p.tlsKey !== undefined ? await load(p.tlsKey) : undefined;
  const ca = p.tlsCa !== undefined ? await load(p.tlsCa) : undefined;
  if (token === undefined && (ca === undefined || cert === undefined) && !p.insecure) throw new ConfigError(UNAUTHENTICATED_PEER);
  const listen = parseHostPort(p.listen, 'p2p.listen', true);
  return PeerNode.start({
    cache: deps.cache,
    fetcher: deps.fetcher,
    metrics: deps.metrics,
    hostId: p.hostId ?? (await stableHostId(deps.stateDir)),
    schedulers: p.schedulers,
    listen,
    ...(p.advertise !== undefined ? { advertise: p.advertise } : {}),
    seed: p.seed,
    ...(token !== undefined ? { token } : {}),
    insecure: p.insecure,
    ...(cert !== undefined && key !== undefined ? { tls: { cert, key, ...(ca !== undefined ? { ca } : {}) } } : {}),
    ...(ca !== undefined || cert !== undefined ? { schedulerTls: { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined && key !== undefined ? { cert, key } : {}) } } : {}),
    labels: p.labels,
    maxUploads: p.maxUploads,
    uploadBytesPerSecond: p.uploadBandwidth,
    minUploadBytesPerSecond: p.minUploadRate,
    uploadRateWindowMs: p.uploadRateWindowMs,
    downloadBytesPerSecond: p.downloadBandwidth,
    minBytesPerSecond: p.minPeerThroughput,
    resolveTimeoutMs: p.resolveTimeoutMs,
    busyRetry: { busyWaitMs: p.busyWaitMs, busyRetryMinMs: p.busyRetryMinMs, busyRetryMaxMs: p.busyRetryMaxMs },
    ...(deps.pieceList !== undefined ? { pieceList: deps.pieceList } : {}),
  });
}
