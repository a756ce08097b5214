import { ConfigError } from '../errors.js';
export const FETCH_DEFAULTS = {
    maxConcurrentFetches: 8,
    maxRequestBytes: 1024 * 1024,
    readAhead: true,
    smallFileBytes: 256 * 1024,
    smallFileRequestBytes: 256 * 1024,
    sequentialReadAheadBytes: 4 * 1024 * 1024,
    sequentialStartBytes: 256 * 1024,
    recentChunkBytes: 16 * 1024 * 1024,
    fetchTimeoutMs: 30_000,
    originAttempts: 4,
    retryBaseDelayMs: 100,
    retryMaxDelayMs: 2_000,
};
function positiveInteger(name, value, max = Number.MAX_SAFE_INTEGER) {
    if (!Number.isSafeInteger(value) || value < 1 || value > max)
        throw new ConfigError(`fetch option ${name} must be a whole number from 1 to ${max}, got ${value}`);
    return value;
}
function nonNegativeInteger(name, value, max) {
    if (!Number.isSafeInteger(value) || value < 0 || value > max)
        throw new ConfigError(`fetch option ${name} must be a whole number from 0 to ${max}, got ${value}`);
    return value;
}
export function resolveFetchOptions(options = {}) {
    const resolved = {
        maxConcurrentFetches: positiveInteger('maxConcurrentFetches', options.maxConcurrentFetches ?? FETCH_DEFAULTS.maxConcurrentFetches, 1024),
        maxRequestBytes: positiveInteger('maxRequestBytes', options.maxRequestBytes ?? FETCH_DEFAULTS.maxRequestBytes, 1 << 30),
        readAhead: options.readAhead ?? FETCH_DEFAULTS.readAhead,
        smallFileBytes: nonNegativeInteger('smallFileBytes', options.smallFileBytes ?? FETCH_DEFAULTS.smallFileBytes, 1 << 30),
        smallFileRequestBytes: positiveInteger('smallFileRequestBytes', options.smallFileRequestBytes ?? FETCH_DEFAULTS.smallFileRequestBytes, 1 << 30),
        sequentialReadAheadBytes: nonNegativeInteger('sequentialReadAheadBytes', options.sequentialReadAheadBytes ?? FETCH_DEFAULTS.sequentialReadAheadBytes, 1 << 30),
        sequentialStartBytes: positiveInteger('sequentialStartBytes', options.sequentialStartBytes ?? FETCH_DEFAULTS.sequentialStartBytes, 1 << 30),
        recentChunkBytes: nonNegativeInteger('recentChunkBytes', options.recentChunkBytes ?? FETCH_DEFAULTS.recentChunkBytes, 1 << 30),
        fetchTimeoutMs: positiveInteger('fetchTimeoutMs', options.fetchTimeoutMs ?? FETCH_DEFAULTS.fetchTimeoutMs),
        originAttempts: positiveInteger('originAttempts', options.originAttempts ?? FETCH_DEFAULTS.originAttempts, 100),
        retryBaseDelayMs: positiveInteger('retryBaseDelayMs', options.retryBaseDelayMs ?? FETCH_DEFAULTS.retryBaseDelayMs),
        retryMaxDelayMs: positiveInteger('retryMaxDelayMs', options.retryMaxDelayMs ?? FETCH_DEFAULTS.retryMaxDelayMs),
        metrics: options.metrics,
    };
    if (resolved.retryMaxDelayMs < resolved.retryBaseDelayMs)
        throw new ConfigError(`fetch option retryMaxDelayMs (${resolved.retryMaxDelayMs}) is below retryBaseDelayMs (${resolved.retryBaseDelayMs})`);
    return resolved;
}
//# sourceMappingURL=options.js.map