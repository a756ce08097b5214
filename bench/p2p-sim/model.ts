/**
 * The discrete-event model of a cold wave: N nodes read the same image, piece by piece, each
 * asking the REAL scheduler (SchedulerService over a MemoryStore, its clock the simulated one)
 * and following its answers through the REAL client-side checks and range plan
 * (resolve-groups.ts, peer-plan.ts); the bytes move over the flow model of network.ts; what the
 * daemons do with the answers is the protocol's PeerBehaviour (star.ts, cascade.ts).
 *
 * Simplified on purpose (see docs/benchmarking.md): one request per piece (a piece is one chunk
 * offset at the scheduler), the reader keeps `window` requests in flight and reads in order, no
 * CPU or disk cost beyond `commitMs`, fair shares per link (network.ts), reports and
 * announces cost no bandwidth, the origin never fails.
 */
import { SchedulerService } from '../../src/p2p/scheduler/service.js';
import { MemoryStore } from '../../src/p2p/scheduler/memory-store.js';
import type { Outcome } from '../../src/p2p/scheduler/model.js';
import { groupToWire } from '../../src/p2p/scheduler/group-wire.js';
import { checkResolveGroups } from '../../src/p2p/resolve-groups.js';
import { planRange, type PlannedParent, type RangePlan } from '../../src/p2p/peer-plan.js';
import { advance, afterParentsFailed, busyLast, newRetryState, type RetryState } from '../../src/p2p/busy-retry.js';
import type { PeerBehaviour } from './behaviour.js';
import { EventQueue, pickDistinct, seededRandom } from './events.js';
import { Link, Network, type Flow } from './network.js';
import type { SimParams } from './params.js';

const BLOB_ID = 'b'.repeat(64);
/** Simulated time 0 on the scheduler's clock (ms since the epoch). */
const EPOCH_MS = 1_800_000_000_000;
/** The Retry-After of a busy peer server's 503 (peer-server.ts). */
const SERVER_RETRY_AFTER_MS = 1000;

interface SimNode {
  index: number;
  hostId: string;
  /** Uploads this node is sending now. */
  uploads: number;
  alive: boolean;
  up: Link;
  down: Link;
  startAt: number;
  bad: boolean;
  servable: Uint8Array;
  nextPiece: number;
  /** The order this node reads the pieces in (the behaviour's read order; in order without one). */
  order: number[];
  received: number;
  finishedAt: number;
  /** Pieces this node fetches from the origin under a lease (others' requests may wait here). */
  leased: Set<number>;
  /** Pieces this node waits for from an in-progress parent: it is their relay (requests may wait here too). */
  relaying: Set<number>;
  uploadBytes: number;
  uploadBytesTotal: number;
  originBytes: number;
  excluded: Set<string>;
  toAnnounce: number[];
  /** Transfers this node sends or receives → what breaking each means to its requester. */
  flows: Map<Flow, () => void>;
  /** Requests whose bytes are here, waiting for an upload slot. */
  slotQueue: Request[];
}

interface Request {
  node: SimNode;
  piece: number;
  /** Where the peer source's retry rule (src/p2p/busy-retry.ts) stands for this request. */
  retry: RetryState;
  /** Parents of the current attempt that answered busy (503), and the Retry-After they sent. */
  busy: number;
  /** Every parent that answered busy so far (tried last after a new resolve). */
  busyHosts: Set<string>;
  retryAfterMs: number | undefined;
  exclude: string[];
  parents: PlannedParent[];
  tried: number;
  /** Parents of the current attempt that failed otherwise (excluded from the next resolve). */
  failed: string[];
  waitUntil: number;
  /** The parent holding this request (an in-progress wait, or a wait for an upload slot). */
  waitingAt?: SimNode;
  ended: boolean;
  /** What the request is doing since `phaseSince` (the time breakdown of SimResult). */
  phase: Phase;
  phaseSince: number;
}

/** Where a request's time goes: asking the scheduler, reaching parents (and their refusals), held at a parent, sleeping after busy parents, moving bytes. */
export type Phase = 'resolve' | 'contact' | 'held' | 'busySleep' | 'peerTransfer' | 'origin';
/** Request time per phase, with transfers split into their time at full link rate and the rest (shared links). */
export type TimeBreakdown = Record<Phase | 'peerFullRate' | 'peerSharedRate', number>;

export interface SimResult {
  protocol: string;
  nodes: number;
  /** From the first start to the last live node's last piece (ms). */
  timeMs: number;
  originBytes: number;
  originRatio: number;
  peerBytes: number;
  maxUploadBytesPerNode: number;
  maxOriginBytesPerNode: number;
  resolves: number;
  /** Resolves in the busiest second of simulated time. */
  peakResolvesPerSecond: number;
  parentFailures: number;
  /** Waits of a request for busy holders before resolving again (src/p2p/busy-retry.ts). */
  busyWaits: number;
  badDataReports: number;
  deadNodes: number;
  events: number;
  /** Request time per phase, summed over every request, over nodes × window: what one in-flight slot of a node spent, on average (ms). */
  breakdown: TimeBreakdown;
}

export class Simulation {
  private readonly events = new EventQueue();
  private readonly net = new Network(this.events);
  private readonly random: () => number;
  private readonly service: SchedulerService;
  private readonly nodes: SimNode[] = [];
  private readonly byId = new Map<string, SimNode>();
  private readonly origin: Link;
  private readonly pieces: number;
  private resolves = 0;
  private readonly resolvesPerSecond = new Map<number, number>();
  private parentFailures = 0;
  private busyWaits = 0;
  private badDataReports = 0;
  private unfinished: number;
  private readonly phaseMs: TimeBreakdown = { resolve: 0, contact: 0, held: 0, busySleep: 0, peerTransfer: 0, origin: 0, peerFullRate: 0, peerSharedRate: 0 };

  constructor(private readonly p: SimParams, private readonly behaviour: PeerBehaviour) {
    this.random = seededRandom(p.seed);
    let ids = 0;
    this.service = new SchedulerService({
      store: behaviour.releasesLoadAtReport === false
        ? new LoadUntilHeartbeatStore({ maxHoldersPerChunk: p.maxHoldersPerChunk })
        : new MemoryStore({ maxHoldersPerChunk: p.maxHoldersPerChunk }),
      config: { cascadeFanout: behaviour.cascadeFanout },
      clock: () => EPOCH_MS + Math.floor(this.events.now),
      newId: () => `id-${ids++}`,
      schedulerId: 'sim',
    });
    this.origin = new Link('origin', mbitToBytesPerMs(p.originMbit));
    this.pieces = Math.ceil(p.imageBytes / p.pieceBytes);
    const bad = new Set(pickDistinct(p.nodes, p.badNodes, this.random));
    for (let i = 0; i < p.nodes; i++) {
      const hostId = `node-${String(i).padStart(4, '0')}`;
      const node: SimNode = {
        index: i, hostId, alive: true, uploads: 0,
        up: new Link(`${hostId}/up`, mbitToBytesPerMs(p.nodeUpMbit)),
        down: new Link(`${hostId}/down`, mbitToBytesPerMs(p.nodeDownMbit)),
        startAt: p.nodes === 1 ? 0 : this.random() * p.arrivalSpreadMs,
        bad: bad.has(i), servable: new Uint8Array(this.pieces), nextPiece: 0, order: behaviour.readOrder?.(hostId, Math.ceil(p.imageBytes / p.pieceBytes)) ?? [...Array(Math.ceil(p.imageBytes / p.pieceBytes)).keys()], received: 0, finishedAt: -1,
        leased: new Set(), relaying: new Set(), uploadBytes: 0, uploadBytesTotal: 0, originBytes: 0, excluded: new Set(),
        toAnnounce: [], flows: new Map(), slotQueue: [],
      };
      this.nodes.push(node);
      this.byId.set(hostId, node);
    }
    this.unfinished = p.nodes;
  }

  async run(): Promise<SimResult> {
    const p = this.p;
    for (const node of this.nodes) this.events.at(node.startAt, () => this.start(node));
    if (p.failedNodes > 0) {
      const victims = pickDistinct(p.nodes - 1, p.failedNodes, this.random).map((i) => this.nodes[i + 1]!);
      this.events.at(p.failAtMs, () => { for (const v of victims) this.kill(v); });
    }
    await this.events.run();
    const live = this.nodes.filter((n) => n.alive);
    if (live.some((n) => n.finishedAt < 0)) throw new Error('simulation ended with unfinished nodes');
    const originBytes = this.origin.bytes;
    const totalDown = this.nodes.reduce((a, n) => a + n.down.bytes, 0);
    return {
      protocol: this.behaviour.protocol,
      nodes: p.nodes,
      timeMs: Math.max(...live.map((n) => n.finishedAt)) - Math.min(...this.nodes.map((n) => n.startAt)),
      originBytes,
      originRatio: originBytes / (this.pieces * p.pieceBytes),
      peerBytes: totalDown - originBytes,
      maxUploadBytesPerNode: Math.max(...this.nodes.map((n) => n.uploadBytesTotal)),
      maxOriginBytesPerNode: Math.max(...this.nodes.map((n) => n.originBytes)),
      resolves: this.resolves,
      peakResolvesPerSecond: Math.max(0, ...this.resolvesPerSecond.values()),
      parentFailures: this.parentFailures,
      busyWaits: this.busyWaits,
      badDataReports: this.badDataReports,
      deadNodes: this.nodes.length - live.length,
      events: this.events.processed,
      breakdown: Object.fromEntries(Object.entries(this.phaseMs).map(([k, v]) => [k, v / (p.nodes * (this.behaviour.window ?? p.window))])) as TimeBreakdown,
    };
  }

  private async start(node: SimNode): Promise<void> {
    if (this.behaviour.p2p) await this.service.register({ hostId: node.hostId, peerUrl: `http://${node.hostId}.sim:8010`, labels: {}, uploadCapacity: this.p.maxUploads, isSeed: false });
    if (this.behaviour.p2p) this.events.after(this.p.keepaliveMs, () => this.heartbeat(node));
    for (let i = 0; i < (this.behaviour.window ?? this.p.window); i++) this.requestNext(node);
  }

  private async heartbeat(node: SimNode): Promise<void> {
    if (!node.alive || this.unfinished === 0) return;
    await this.service.heartbeat(node.hostId, { currentUploads: node.uploads, uploadBytes: node.uploadBytes });
    node.uploadBytes = 0;
    if (node.index === 0) await this.service.sweep();
    this.events.after(this.p.keepaliveMs, () => this.heartbeat(node));
  }

  private requestNext(node: SimNode): void {
    if (!node.alive || node.nextPiece >= this.pieces) return;
    const req: Request = { node, piece: node.order[node.nextPiece++]!, retry: newRetryState(), busy: 0, busyHosts: new Set(), retryAfterMs: undefined, exclude: [], parents: [], tried: 0, failed: [], waitUntil: 0, ended: false, phase: 'resolve', phaseSince: this.events.now };
    if (this.behaviour.p2p) this.events.after(0, () => this.resolve(req));
    else this.fromOrigin(req, false);
  }

  private enter(req: Request, phase: Phase): void {
    this.phaseMs[req.phase] += this.events.now - req.phaseSince;
    req.phase = phase;
    req.phaseSince = this.events.now;
  }

  private async resolve(req: Request): Promise<void> {
    this.enter(req, 'resolve');
    const { node, piece } = req;
    const offset = piece * this.p.pieceBytes;
    const exclude = [...node.excluded, ...req.exclude];
    const groups = await this.service.resolve({ hostId: node.hostId, blobId: BLOB_ID, offsets: [offset], exclude, busy: [...req.busyHosts] });
    this.resolves += 1;
    const second = Math.floor(this.events.now / 1000);
    this.resolvesPerSecond.set(second, (this.resolvesPerSecond.get(second) ?? 0) + 1);
    const plan = planRange(checkResolveGroups([offset], groups.map(groupToWire), node.hostId), [offset]);
    this.events.after(this.p.schedulerRttMs, () => this.act(req, plan));
  }

  private act(req: Request, plan: RangePlan): void {
    if (!req.node.alive) return;
    const run = plan.runs[0];
    if (run === undefined) {
      this.fromOrigin(req, plan.leased.length > 0);
      return;
    }
    req.parents = busyLast(this.behaviour.parents(run.parents), req.busyHosts);
    req.waitUntil = run.waitUntil - EPOCH_MS;
    req.tried = 0;
    if (req.parents[0]?.inProgress === true) req.node.relaying.add(req.piece);
    this.tryNextParent(req);
  }

  private tryNextParent(req: Request): void {
    if (!req.node.alive || req.ended) return;
    const parentChoice = req.tried < this.p.maxParentTries ? req.parents[req.tried] : undefined;
    if (parentChoice === undefined) {
      // The peer source's rule: busy holders are waited for (bounded), faulty parents excluded.
      const next = afterParentsFailed(req.retry, { busy: req.busy, faults: req.failed.length, ...(req.retryAfterMs !== undefined ? { retryAfterMs: req.retryAfterMs } : {}) }, this.p.busyRetry);
      req.retry = advance(req.retry, next);
      req.exclude.push(...req.failed);
      req.failed = [];
      req.busy = 0;
      req.retryAfterMs = undefined;
      if (next.step === 'origin') this.fromOrigin(req, false);
      else {
        if (next.step === 'wait') {
          this.busyWaits += 1;
          this.enter(req, 'busySleep');
        }
        this.events.after(next.step === 'wait' ? next.delayMs : 0, () => this.resolve(req));
      }
      return;
    }
    req.tried += 1;
    this.enter(req, 'contact');
    const parent = this.byId.get(parentChoice.hostId)!;
    this.events.after(this.p.peerRttMs / 2, () => this.arrive(req, parent, parentChoice.inProgress));
  }

  /** The request reaches the parent's server. */
  private arrive(req: Request, parent: SimNode, inProgress: boolean): void {
    if (!req.node.alive) return;
    if (!parent.alive) {
      this.events.after(this.p.deadPeerMs, () => this.parentFailed(req, parent, 'UNREACHABLE'));
      return;
    }
    if (parent.servable[req.piece] === 1) {
      if (parent.uploads < this.p.maxUploads) this.upload(parent, req);
      // A request that asked to wait (an in-progress parent) waits for a slot (peer-server.ts).
      else if (inProgress) this.hold(req, parent, Math.max(0, Math.min(this.p.maxWaitMs, req.waitUntil - this.events.now)));
      else this.events.after(this.p.peerRttMs / 2, () => this.parentBusy(req, parent)); // 503 + Retry-After
      return;
    }
    if (inProgress && (parent.leased.has(req.piece) || parent.relaying.has(req.piece))) {
      const waitMs = Math.max(0, Math.min(this.p.maxWaitMs, req.waitUntil - this.events.now));
      this.hold(req, parent, waitMs);
      return;
    }
    this.events.after(this.p.peerRttMs / 2, () => this.parentFailed(req, parent, undefined)); // 404
  }

  private hold(req: Request, at: SimNode, waitMs: number): void {
    this.enter(req, 'held');
    req.waitingAt = at;
    at.slotQueue.push(req);
    this.events.after(waitMs, () => {
      if (req.waitingAt === undefined || req.ended) return;
      this.unhold(req);
      this.holdTimedOut(req); // the wait ran out: 404
    });
  }

  private unhold(req: Request): void {
    const at = req.waitingAt;
    req.waitingAt = undefined;
    if (at === undefined) return;
    const i = at.slotQueue.indexOf(req);
    if (i >= 0) at.slotQueue.splice(i, 1);
  }

  /** A node with a free slot takes the requests held for what it can serve. */
  private serveWaiting(node: SimNode): void {
    if (!node.alive) return;
    for (let i = 0; i < node.slotQueue.length && node.uploads < this.p.maxUploads; ) {
      const req = node.slotQueue[i]!;
      if (node.servable[req.piece] !== 1) {
        i += 1;
        continue;
      }
      node.slotQueue.splice(i, 1);
      req.waitingAt = undefined;
      this.upload(node, req);
    }
  }

  private upload(parent: SimNode, req: Request): void {
    parent.uploads += 1;
    this.enter(req, 'peerTransfer');
    const started = this.events.now;
    const flow = this.net.start(parent.up, req.node.down, this.p.pieceBytes, () => {
      parent.flows.delete(flow);
      req.node.flows.delete(flow);
      parent.uploads -= 1;
      parent.uploadBytes += this.p.pieceBytes;
      parent.uploadBytesTotal += this.p.pieceBytes;
      this.serveWaiting(parent);
      this.events.after(this.p.peerRttMs / 2, () => this.downloaded(req, parent, this.events.now - started));
    });
    const broken = (): void => {
      parent.flows.delete(flow);
      req.node.flows.delete(flow);
      if (parent.alive) {
        parent.uploads -= 1;
        this.serveWaiting(parent);
      }
      if (req.node.alive) this.parentFailed(req, parent, 'UNREACHABLE');
    };
    parent.flows.set(flow, broken);
    req.node.flows.set(flow, broken);
  }

  private async downloaded(req: Request, parent: SimNode, durationMs: number): Promise<void> {
    if (!req.node.alive) return;
    const fullRateMs = this.p.pieceBytes / Math.min(parent.up.bytesPerMs, req.node.down.bytesPerMs);
    this.phaseMs.peerFullRate += Math.min(fullRateMs, durationMs);
    this.phaseMs.peerSharedRate += Math.max(0, durationMs - fullRateMs);
    if (parent.bad) {
      // The fetch path's digest check rejects the piece: reported, excluded, fetched from the origin.
      this.badDataReports += 1;
      req.node.excluded.add(parent.hostId);
      await this.report(req.node, parent, 0, durationMs, 'BAD_DATA');
      this.fromOrigin(req, false);
      return;
    }
    await this.report(req.node, parent, this.p.pieceBytes, Math.max(1, Math.round(durationMs)), 'OK');
    this.received(req, false);
  }

  /** `outcome` undefined: not reported (not held). */
  private parentFailed(req: Request, parent: SimNode, outcome: Outcome | undefined): void {
    if (!req.node.alive || req.ended) return;
    this.parentFailures += 1;
    req.failed.push(parent.hostId);
    if (outcome !== undefined) this.events.after(0, () => this.report(req.node, parent, 0, this.p.deadPeerMs, outcome));
    this.tryNextParent(req);
  }

  private holdTimedOut(req: Request): void {
    if (!req.node.alive || req.ended) return;
    this.parentFailures += 1;
    this.tryNextParent(req);
  }

  /** The parent holds the piece but every upload slot is taken: 503 with the server's Retry-After (peer-server.ts: 1 s). */
  private parentBusy(req: Request, parent: SimNode): void {
    if (!req.node.alive || req.ended) return;
    this.parentFailures += 1;
    req.busyHosts.add(parent.hostId);
    req.busy += 1;
    req.retryAfterMs = Math.min(req.retryAfterMs ?? Infinity, SERVER_RETRY_AFTER_MS);
    this.tryNextParent(req);
  }

  private async report(node: SimNode, parent: SimNode, bytes: number, durationMs: number, outcome: Outcome): Promise<void> {
    await this.service.report({ hostId: node.hostId, parentHostId: parent.hostId, blobId: BLOB_ID, bytes, durationMs, outcome });
  }

  private fromOrigin(req: Request, leased: boolean): void {
    const { node, piece } = req;
    this.enter(req, 'origin');
    if (leased) node.leased.add(piece);
    this.events.after(this.p.originRttMs, () => {
      if (!node.alive) return;
      const flow = this.net.start(this.origin, node.down, this.p.pieceBytes, () => {
        node.flows.delete(flow);
        node.originBytes += this.p.pieceBytes;
        this.received(req, leased);
      });
      node.flows.set(flow, () => node.flows.delete(flow));
    });
  }

  private received(req: Request, leased: boolean): void {
    const { node, piece } = req;
    this.enter(req, req.phase);
    req.ended = true;
    node.received += 1;
    node.relaying.delete(piece);
    // Verified origin bytes of a leased piece are served from memory; the rest once committed.
    if (leased || this.behaviour.servesOnArrival) this.becomeServable(node, piece);
    const commit = (): void => {
      if (!node.alive) return;
      this.becomeServable(node, piece);
      node.leased.delete(piece);
      this.queueAnnounce(node, piece);
    };
    if (!this.behaviour.p2p) return this.finishedPiece(node);
    if (this.behaviour.servesOnArrival) commit();
    else this.events.after(this.p.commitMs, commit);
    this.finishedPiece(node);
  }

  private finishedPiece(node: SimNode): void {
    if (node.received === this.pieces) {
      node.finishedAt = this.events.now;
      this.unfinished -= 1;
    }
    this.requestNext(node);
  }

  private becomeServable(node: SimNode, piece: number): void {
    if (node.servable[piece] === 1) return;
    node.servable[piece] = 1;
    this.serveWaiting(node);
  }

  private queueAnnounce(node: SimNode, piece: number): void {
    node.toAnnounce.push(piece);
    if (node.toAnnounce.length > 1) return;
    const send = async (): Promise<void> => {
      if (!node.alive) return;
      const offsets = node.toAnnounce.splice(0).map((x) => x * this.p.pieceBytes);
      await this.service.announce(node.hostId, [{ blobId: BLOB_ID, offsets }], []);
    };
    if (this.behaviour.announcesAtOnce) this.events.after(0, send);
    else this.events.after(this.p.announceDelayMs, send);
  }

  /** The node's daemon dies: its transfers break, the requests held there fail, it stops heartbeating. */
  private kill(node: SimNode): void {
    if (!node.alive) return;
    node.alive = false;
    if (node.finishedAt < 0) this.unfinished -= 1;
    for (const [flow, broken] of [...node.flows]) {
      this.net.abort(flow);
      broken();
    }
    node.uploads = 0;
    for (const req of node.slotQueue.splice(0)) {
      req.waitingAt = undefined;
      this.parentFailed(req, node, 'UNREACHABLE');
    }
  }
}

/** The memory store with the earlier load rule: a hand-out counts until the peer's next heartbeat. */
class LoadUntilHeartbeatStore extends MemoryStore {
  override async noteReleased(): Promise<void> {}
}

function mbitToBytesPerMs(mbit: number): number {
  return (mbit * 1e6) / 8 / 1000;
}


