import test from 'ava';
import { nowNanos, WallClock } from '../../snapshotter/clock.js';
/** Sources the test moves by hand: the wall clock in whole milliseconds, the monotonic in ns. */
function manualSources(startMs) {
    let wallNs = BigInt(startMs) * 1000000n + 400000n; // mid-millisecond
    let monotonic = 5000000000n;
    // Each reading of the monotonic clock takes 1 µs, so anchoring (which spins until the
    // millisecond changes) ends.
    return {
        wallMs: () => Number(wallNs / 1000000n),
        monotonicNs: () => {
            monotonic += 1000n;
            wallNs += 1000n;
            return monotonic;
        },
        advance: (ns) => {
            monotonic += BigInt(ns);
            wallNs += BigInt(ns);
        },
        setWall: (ms) => {
            wallNs = BigInt(ms) * 1000000n + 250000n;
        },
    };
}
test('readings carry the nanoseconds and stay inside the millisecond the wall clock reports', (t) => {
    const sources = manualSources(1_700_000_000_123);
    const clock = new WallClock(sources);
    const readings = [];
    for (let i = 0; i < 50; i++) {
        const before = BigInt(sources.wallMs()) * 1000000n;
        const reading = clock.now();
        const after = BigInt(sources.wallMs() + 1) * 1000000n;
        t.true(reading >= before && reading < after, `${reading} in [${before}, ${after})`);
        readings.push(reading);
        sources.advance(37_123);
    }
    for (let i = 1; i < readings.length; i++)
        t.true(readings[i] > readings[i - 1], `reading ${i} moved forward`);
    t.true(readings.some((r) => r % 1000000n !== 0n), 'below the millisecond');
});
test('a wall clock set back is followed at once', (t) => {
    const sources = manualSources(1_700_000_000_123);
    const clock = new WallClock(sources);
    clock.now();
    sources.setWall(1_600_000_000_000);
    const reading = clock.now();
    t.true(reading >= 1600000000000000000n && reading < 1600000000001000000n + 10000000n, String(reading));
});
test('the system clock: nanosecond readings within Date.now()', (t) => {
    const readings = [];
    for (let i = 0; i < 200; i++) {
        const before = BigInt(Date.now()) * 1000000n;
        const reading = nowNanos();
        const after = BigInt(Date.now() + 1) * 1000000n;
        t.true(reading >= before && reading < after, `${reading} in [${before}, ${after})`);
        readings.push(reading);
    }
    for (let i = 1; i < readings.length; i++)
        t.true(readings[i] >= readings[i - 1], `reading ${i} did not go back`);
    t.true(readings.filter((r) => r % 1000000n !== 0n).length > 100, 'readings below the millisecond');
});
//# sourceMappingURL=clock.test.js.map