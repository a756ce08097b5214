/**
 * Flow-level network model: every transfer is a flow from one link's sending side to another's
 * receiving side (a node's uplink, a node's downlink, the origin's uplink). A flow's rate is the
 * smaller of its two fair shares: the sending link's capacity over its flows, the receiving
 * link's over its flows. That is a one-step approximation of max-min fairness (capacity a flow
 * cannot use on one side is not handed to the others), cheap enough for 1000 nodes: a flow
 * starting or ending changes the rates of the flows of its two links only.
 */
import type { EventQueue, Timer } from './events.js';

export class Link {
  readonly flows = new Set<Flow>();
  /** Bytes that crossed the link. */
  bytes = 0;
  constructor(readonly name: string, readonly bytesPerMs: number) {}
}

export class Flow {
  rate = 0;
  remaining: number;
  updatedAt: number;
  /** The flow's completion event, moved whenever its rate changes. */
  timer: Timer | undefined;
  finished = false;
  constructor(
    readonly from: Link,
    readonly to: Link,
    readonly size: number,
    readonly startedAt: number,
    readonly done: (flow: Flow) => void,
  ) {
    this.remaining = size;
    this.updatedAt = startedAt;
  }
}

export class Network {
  constructor(private readonly events: EventQueue) {}

  /** Starts a transfer of `size` bytes now; `done` runs when its last byte arrives. */
  start(from: Link, to: Link, size: number, done: (flow: Flow) => void): Flow {
    const flow = new Flow(from, to, size, this.events.now, done);
    this.settle(from, to);
    from.flows.add(flow);
    to.flows.add(flow);
    this.reshare(from, to);
    return flow;
  }

  /** Stops a flow before its end (a peer died); its bytes so far are counted on the links. */
  abort(flow: Flow): void {
    if (flow.finished) return;
    this.settle(flow.from, flow.to);
    flow.finished = true;
    if (flow.timer !== undefined) this.events.cancel(flow.timer);
    this.count(flow, flow.size - flow.remaining);
    flow.from.flows.delete(flow);
    flow.to.flows.delete(flow);
    this.reshare(flow.from, flow.to);
  }

  /** Brings every flow of the two links up to now at its current rate. */
  private settle(a: Link, b: Link): void {
    const now = this.events.now;
    for (const link of [a, b]) {
      for (const f of link.flows) {
        if (f.updatedAt === now) continue;
        f.remaining = Math.max(0, f.remaining - f.rate * (now - f.updatedAt));
        f.updatedAt = now;
      }
    }
  }

  /** New rates for the flows of two links, and their new completion events. */
  private reshare(a: Link, b: Link): void {
    const seen = new Set<Flow>();
    for (const link of [a, b]) {
      for (const f of link.flows) {
        if (seen.has(f)) continue;
        seen.add(f);
        const rate = Math.min(f.from.bytesPerMs / f.from.flows.size, f.to.bytesPerMs / f.to.flows.size);
        if (rate === f.rate && f.timer !== undefined) continue;
        f.rate = rate;
        const at = this.events.now + f.remaining / rate;
        if (f.timer === undefined) f.timer = this.events.at(at, () => this.finish(f));
        else this.events.move(f.timer, at);
      }
    }
  }

  private finish(flow: Flow): void {
    if (flow.finished) return;
    this.settle(flow.from, flow.to);
    flow.finished = true;
    flow.remaining = 0;
    this.count(flow, flow.size);
    flow.from.flows.delete(flow);
    flow.to.flows.delete(flow);
    this.reshare(flow.from, flow.to);
    flow.done(flow);
  }

  private count(flow: Flow, bytes: number): void {
    flow.from.bytes += bytes;
    flow.to.bytes += bytes;
  }
}
