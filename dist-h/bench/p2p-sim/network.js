export class Link {
    name;
    bytesPerMs;
    flows = new Set();
    /** Bytes that crossed the link. */
    bytes = 0;
    constructor(name, bytesPerMs) {
        this.name = name;
        this.bytesPerMs = bytesPerMs;
    }
}
export class Flow {
    from;
    to;
    size;
    startedAt;
    done;
    rate = 0;
    remaining;
    updatedAt;
    /** The flow's completion event, moved whenever its rate changes. */
    timer;
    finished = false;
    constructor(from, to, size, startedAt, done) {
        this.from = from;
        this.to = to;
        this.size = size;
        this.startedAt = startedAt;
        this.done = done;
        this.remaining = size;
        this.updatedAt = startedAt;
    }
}
export class Network {
    events;
    constructor(events) {
        this.events = events;
    }
    /** Starts a transfer of `size` bytes now; `done` runs when its last byte arrives. */
    start(from, to, size, done) {
        const flow = new Flow(from, to, size, this.events.now, done);
        this.settle(from, to);
        from.flows.add(flow);
        to.flows.add(flow);
        this.reshare(from, to);
        return flow;
    }
    /** Stops a flow before its end (a peer died); its bytes so far are counted on the links. */
    abort(flow) {
        if (flow.finished)
            return;
        this.settle(flow.from, flow.to);
        flow.finished = true;
        if (flow.timer !== undefined)
            this.events.cancel(flow.timer);
        this.count(flow, flow.size - flow.remaining);
        flow.from.flows.delete(flow);
        flow.to.flows.delete(flow);
        this.reshare(flow.from, flow.to);
    }
    /** Brings every flow of the two links up to now at its current rate. */
    settle(a, b) {
        const now = this.events.now;
        for (const link of [a, b]) {
            for (const f of link.flows) {
                if (f.updatedAt === now)
                    continue;
                f.remaining = Math.max(0, f.remaining - f.rate * (now - f.updatedAt));
                f.updatedAt = now;
            }
        }
    }
    /** New rates for the flows of two links, and their new completion events. */
    reshare(a, b) {
        const seen = new Set();
        for (const link of [a, b]) {
            for (const f of link.flows) {
                if (seen.has(f))
                    continue;
                seen.add(f);
                const rate = Math.min(f.from.bytesPerMs / f.from.flows.size, f.to.bytesPerMs / f.to.flows.size);
                if (rate === f.rate && f.timer !== undefined)
                    continue;
                f.rate = rate;
                const at = this.events.now + f.remaining / rate;
                if (f.timer === undefined)
                    f.timer = this.events.at(at, () => this.finish(f));
                else
                    this.events.move(f.timer, at);
            }
        }
    }
    finish(flow) {
        if (flow.finished)
            return;
        this.settle(flow.from, flow.to);
        flow.finished = true;
        flow.remaining = 0;
        this.count(flow, flow.size);
        flow.from.flows.delete(flow);
        flow.to.flows.delete(flow);
        this.reshare(flow.from, flow.to);
        flow.done(flow);
    }
    count(flow, bytes) {
        flow.from.bytes += bytes;
        flow.to.bytes += bytes;
    }
}
//# sourceMappingURL=network.js.map