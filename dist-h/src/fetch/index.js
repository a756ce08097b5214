import { FetchEngine } from './fetch-engine.js';
export { FETCH_DEFAULTS } from './options.js';
/** The daemon-wide fetch engine over `cache`. Throws ConfigError for bad options. */
export function createChunkFetcher(cache, options = {}) {
    return new FetchEngine(cache, options);
}
//# sourceMappingURL=index.js.map