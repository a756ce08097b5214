/** The daemon's `[mirror]` configuration turned into a running MirrorServer (off without `listen`). */
import type { Registry } from 'prom-client';
import type { BlobCache } from '../cache/types.js';
import { parseHostPort } from '../p2p/address.js';
import type { PeerNode } from '../p2p/peer.js';
import { PlainBlobFetcher } from './blob-fetch.js';
import { mirrorMetrics } from './metrics.js';
import type { PieceLists } from './piece-lists.js';
import { MirrorServer } from './server.js';

/** The daemon's `[mirror]` settings (keys and defaults: src/daemon/config.ts); off while `listen` is unset. */
export interface MirrorConfig {
  listen?: string;
  plainHttp: string[];
  pieceSize: number;
  defaultRegistry: string;
}

export interface DaemonMirrorDeps {
  cache: BlobCache;
  pieceLists: PieceLists;
  metrics: Registry;
  peer?: PeerNode;
}

export async function startMirror(c: MirrorConfig, deps: DaemonMirrorDeps): Promise<MirrorServer | undefined> {
  if (c.listen === undefined) return undefined;
  const { host, port } = parseHostPort(c.listen, 'mirror.listen', true);
  const metrics = mirrorMetrics(deps.metrics);
  const fetcher = new PlainBlobFetcher({
    cache: deps.cache,
    pieceLists: deps.pieceLists,
    pieceSize: c.pieceSize,
    metrics,
    ...(deps.peer !== undefined ? { peer: { source: deps.peer.source, scheduler: deps.peer.scheduler, client: deps.peer.client } } : {}),
  });
  return MirrorServer.start({
    host,
    port,
    fetcher,
    metrics,
    plainHttp: c.plainHttp,
    defaultRegistry: c.defaultRegistry,
    smallBlobBytes: 1 << 20,
    memoryBytes: 64 << 20,
  });
}
