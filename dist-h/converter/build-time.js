import { UsageError } from '../src/errors.js';
/**
 * The time a conversion stamps into what it writes (the bootstrap's build time, the history
 * entries it adds), chosen so that the same source and options give the same bytes (pure):
 * SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the source config's
 * `created`, else 0. Never the wall clock.
 */
/** The most seconds the bootstrap's 53-bit build time and a JS Date both hold. */
const MAX_EPOCH_SECONDS = 8_640_000_000_000;
/** Parses SOURCE_DATE_EPOCH (whole seconds since 1970); undefined when unset or empty. */
export function parseSourceDateEpoch(text) {
    if (text === undefined || text.trim() === '')
        return undefined;
    const trimmed = text.trim();
    const seconds = /^[0-9]{1,16}$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!Number.isSafeInteger(seconds) || seconds > MAX_EPOCH_SECONDS) {
        throw new UsageError(`SOURCE_DATE_EPOCH "${text}" is not a whole number of seconds since 1970`);
    }
    return seconds;
}
/** Whole seconds since 1970 for the conversion's time fields. */
export function conversionTime(sourceCreated, sourceDateEpoch) {
    if (sourceDateEpoch !== undefined)
        return sourceDateEpoch;
    if (sourceCreated === undefined)
        return 0;
    const ms = Date.parse(sourceCreated);
    if (!Number.isFinite(ms) || ms < 0)
        return 0;
    return Math.min(Math.floor(ms / 1000), MAX_EPOCH_SECONDS);
}
/** RFC 3339 text of whole seconds, as image configs write times. */
export function rfc3339(seconds) {
    return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
//# sourceMappingURL=build-time.js.map