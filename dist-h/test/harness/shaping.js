/**
 * Pure parts of link shaping: the tbf parameters for a rate and delay, and reading `tc -j -s
 * qdisc show` back. No I/O, tested without root (test/harness/shaping.test.ts).
 */
/**
 * tbf settings that let one TCP flow fill the link. The bucket must hold a couple of ms of
 * traffic (a GSO burst of 64 KiB is split against it, and timers are not exact); the queue must
 * hold one bandwidth-delay product, or TCP loses packets before the window covers the round trip
 * and never reaches the rate (with 100 Mbit/s and 2 × 10 ms: 250 kB). Measured here: 32 KiB burst
 * and a BDP queue give about 93 Mbit/s of TCP goodput at 100 Mbit/s (docs/benchmarking.md).
 */
export function tbfParams(options) {
    if (!(options.rateMbit > 0) || !Number.isFinite(options.rateMbit))
        throw new RangeError(`rateMbit must be > 0, got ${options.rateMbit}`);
    if (!(options.delayMs >= 0) || !Number.isFinite(options.delayMs))
        throw new RangeError(`delayMs must be >= 0, got ${options.delayMs}`);
    const rateBytes = Math.round((options.rateMbit * 1e6) / 8);
    const burstBytes = Math.round(options.burst ?? Math.max(32 * 1024, rateBytes * 0.002));
    const roundTripS = Math.max(2 * options.delayMs, 5) / 1000;
    const limitBytes = Math.round(options.limit ?? Math.max(64 * 1024, rateBytes * roundTripS) + burstBytes);
    if (burstBytes < 1600)
        throw new RangeError(`burst must hold at least one full packet (1600 bytes), got ${burstBytes}`);
    if (limitBytes < burstBytes)
        throw new RangeError(`limit (${limitBytes}) must be at least the burst (${burstBytes})`);
    return { rateBytes, burstBytes, limitBytes };
}
/** `tc qdisc replace` arguments for a root tbf on `dev`. */
export function tbfCommand(dev, p) {
    return ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${p.rateBytes * 8}bit`, 'burst', String(p.burstBytes), 'limit', String(p.limitBytes)];
}
/** Reads `tc -j -s qdisc show [dev X]` output. Unknown shapes give an empty list, never a throw. */
export function parseQdiscJson(text) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        return [];
    }
    if (!Array.isArray(data))
        return [];
    const out = [];
    for (const q of data) {
        if (typeof q !== 'object' || q === null)
            continue;
        const r = q;
        const options = (typeof r.options === 'object' && r.options !== null ? r.options : {});
        const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
        const stats = { kind: String(r.kind ?? ''), sentBytes: num(r.bytes), packets: num(r.packets), drops: num(r.drops) };
        if (typeof r.dev === 'string')
            stats.dev = r.dev;
        if (typeof options.rate === 'number')
            stats.rateBytes = options.rate;
        if (typeof options.burst === 'number')
            stats.burstBytes = options.burst;
        out.push(stats);
    }
    return out;
}
//# sourceMappingURL=shaping.js.map