/**
 * The fetch path: reads of file data for the FUSE layer, served from the blob cache, or fetched
 * (P2P peer, then origin), decoded and verified, then cached. docs/cache.md.
 *
 *   const fetcher = createChunkFetcher(cache, { metrics: registry });          // one per daemon
 *   const reader = await fetcher.openImage({ bootstrap, origin: source.blobReader() });
 *   const bytes = await reader.read(nid, offset, length, signal);             // verified bytes
 *   void reader.prefetchFiles();                                                // background
 *   await reader.close();
 */
import type { BlobCache } from '../cache/types.js';
import { FetchEngine } from './fetch-engine.js';
import type { ChunkFetcher, FetchOptions } from './types.js';

export type * from './types.js';
export { FETCH_DEFAULTS } from './options.js';

/** The daemon-wide fetch engine over `cache`. Throws ConfigError for bad options. */
export function createChunkFetcher(cache: BlobCache, options: FetchOptions = {}): ChunkFetcher {
  return new FetchEngine(cache, options);
}
