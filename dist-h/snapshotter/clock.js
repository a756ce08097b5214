/**
 * Wall-clock time in nanoseconds since the Unix epoch, for snapshot timestamps.
 *
 * containerd keeps snapshot times at nanosecond precision (Go's time.Now()) and its clients
 * compare them with their own clock: a time cut to the millisecond reads as earlier than a
 * request that started within that same millisecond. Node has no nanosecond wall clock, so the
 * part below the millisecond comes from the monotonic clock (process.hrtime), anchored at an
 * instant Date.now() steps to a new millisecond. Every reading is held inside the millisecond
 * Date.now() reports at that moment: it never strays from the system clock by a millisecond or
 * more, and when the two disagree (the system clock was set, or the monotonic clock drifted) the
 * clock anchors again.
 */
const NS_PER_MS = 1000000n;
/** How long anchoring watches for the millisecond to change before settling for its start. */
const ANCHOR_WAIT_NS = 2n * NS_PER_MS;
export class WallClock {
    sources;
    anchor;
    constructor(sources) {
        this.sources = sources;
    }
    now() {
        const estimate = this.estimate();
        if (estimate !== undefined)
            return estimate;
        this.anchor = this.anchorAtTick();
        return this.estimate() ?? BigInt(this.sources.wallMs()) * NS_PER_MS;
    }
    /** The anchored reading, or undefined when it falls outside the current millisecond. */
    estimate() {
        if (!this.anchor)
            return undefined;
        const floor = BigInt(this.sources.wallMs()) * NS_PER_MS;
        const estimate = this.anchor.wallNs + (this.sources.monotonicNs() - this.anchor.monotonicNs);
        return estimate >= floor && estimate < floor + NS_PER_MS ? estimate : undefined;
    }
    /**
     * Waits (at most ANCHOR_WAIT_NS, spinning: the wait is below a millisecond) for Date.now() to
     * step, and pairs that millisecond's start with the monotonic clock.
     */
    anchorAtTick() {
        const start = this.sources.wallMs();
        const startMonotonic = this.sources.monotonicNs();
        for (;;) {
            const ms = this.sources.wallMs();
            const monotonicNs = this.sources.monotonicNs();
            if (ms !== start)
                return { wallNs: BigInt(ms) * NS_PER_MS, monotonicNs };
            if (monotonicNs - startMonotonic > ANCHOR_WAIT_NS)
                return { wallNs: BigInt(ms) * NS_PER_MS, monotonicNs };
        }
    }
}
const systemClock = new WallClock({ wallMs: () => Date.now(), monotonicNs: () => process.hrtime.bigint() });
/** The current time in nanoseconds since the Unix epoch (see the module comment). */
export function nowNanos() {
    return systemClock.now();
}
//# sourceMappingURL=clock.js.map