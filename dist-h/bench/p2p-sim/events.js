/**
 * The simulator's clock: an indexed binary-heap event queue in simulated milliseconds (an event
 * can be moved or cancelled in O(log n), so a flow whose rate changes keeps one entry), and a
 * seeded pseudo-random generator. Events at the same time run in the order they were
 * (re)scheduled, so a run is a function of its parameters and seed alone.
 */
export class EventQueue {
    heap = [];
    seq = 0;
    /** The current simulated time (ms). */
    now = 0;
    /** Events run so far. */
    processed = 0;
    /** Runs `run` `delayMs` from now (never in the past). */
    after(delayMs, run) {
        return this.at(this.now + Math.max(0, delayMs), run);
    }
    at(time, run) {
        const timer = { at: Math.max(time, this.now), seq: this.seq++, run, index: this.heap.length };
        this.heap.push(timer);
        this.up(timer.index);
        return timer;
    }
    /** Moves a pending timer to `time` (or schedules it again if it already ran or was cancelled). */
    move(timer, time) {
        timer.at = Math.max(time, this.now);
        timer.seq = this.seq++;
        if (timer.index < 0) {
            timer.index = this.heap.length;
            this.heap.push(timer);
        }
        this.up(timer.index);
        this.down(timer.index);
    }
    cancel(timer) {
        const i = timer.index;
        if (i < 0)
            return;
        const last = this.heap.pop();
        timer.index = -1;
        if (last === timer)
            return;
        this.heap[i] = last;
        last.index = i;
        this.up(i);
        this.down(i);
    }
    get size() {
        return this.heap.length;
    }
    /** Runs events one at a time (each to completion, awaited) until none is left. */
    async run() {
        for (;;) {
            const next = this.heap[0];
            if (next === undefined)
                return;
            this.cancel(next);
            this.now = next.at;
            this.processed += 1;
            const done = next.run();
            if (done !== undefined)
                await done;
        }
    }
    up(i) {
        const h = this.heap;
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (!before(h[i], h[parent]))
                break;
            this.swap(i, parent);
            i = parent;
        }
    }
    down(i) {
        const h = this.heap;
        for (;;) {
            const l = 2 * i + 1;
            const r = l + 1;
            let m = i;
            if (l < h.length && before(h[l], h[m]))
                m = l;
            if (r < h.length && before(h[r], h[m]))
                m = r;
            if (m === i)
                return;
            this.swap(i, m);
            i = m;
        }
    }
    swap(i, j) {
        const h = this.heap;
        const a = h[i];
        const b = h[j];
        h[i] = b;
        h[j] = a;
        a.index = j;
        b.index = i;
    }
}
function before(a, b) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function seededRandom(seed) {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
/** `count` distinct indices out of 0..n-1, chosen by `random`. */
export function pickDistinct(n, count, random) {
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, Math.max(0, Math.min(n, count)));
}
//# sourceMappingURL=events.js.map