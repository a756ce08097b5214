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
import { groupToWire } from '../../src/p2p/scheduler/group-wire.js';
import { checkResolveGroups } from '../../src/p2p/resolve-groups.js';
import { planRange } from '../../src/p2p/peer-plan.js';
import { EventQueue, pickDistinct, seededRandom } from './events.js';
import { Link, Network } from './network.js';
const BLOB_ID = 'b'.repeat(64);
/** Simulated time 0 on the scheduler's clock (ms since the epoch). */
const EPOCH_MS = 1_800_000_000_000;
export class Simulation {
    p;
    behaviour;
    events = new EventQueue();
    net = new Network(this.events);
    random;
    service;
    nodes = [];
    byId = new Map();
    origin;
    pieces;
    resolves = 0;
    resolvesPerSecond = new Map();
    parentFailures = 0;
    badDataReports = 0;
    unfinished;
    constructor(p, behaviour) {
        this.p = p;
        this.behaviour = behaviour;
        this.random = seededRandom(p.seed);
        let ids = 0;
        this.service = new SchedulerService({
            store: new MemoryStore({ maxHoldersPerChunk: p.maxHoldersPerChunk }),
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
            const node = {
                index: i, hostId, alive: true, uploads: 0,
                up: new Link(`${hostId}/up`, mbitToBytesPerMs(p.nodeUpMbit)),
                down: new Link(`${hostId}/down`, mbitToBytesPerMs(p.nodeDownMbit)),
                startAt: p.nodes === 1 ? 0 : this.random() * p.arrivalSpreadMs,
                bad: bad.has(i), servable: new Uint8Array(this.pieces), nextPiece: 0, received: 0, finishedAt: -1,
                leased: new Set(), relaying: new Set(), uploadBytes: 0, uploadBytesTotal: 0, originBytes: 0, excluded: new Set(),
                toAnnounce: [], flows: new Map(), slotQueue: [],
            };
            this.nodes.push(node);
            this.byId.set(hostId, node);
        }
        this.unfinished = p.nodes;
    }
    async run() {
        const p = this.p;
        for (const node of this.nodes)
            this.events.at(node.startAt, () => this.start(node));
        if (p.failedNodes > 0) {
            const victims = pickDistinct(p.nodes - 1, p.failedNodes, this.random).map((i) => this.nodes[i + 1]);
            this.events.at(p.failAtMs, () => { for (const v of victims)
                this.kill(v); });
        }
        await this.events.run();
        const live = this.nodes.filter((n) => n.alive);
        if (live.some((n) => n.finishedAt < 0))
            throw new Error('simulation ended with unfinished nodes');
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
            badDataReports: this.badDataReports,
            deadNodes: this.nodes.length - live.length,
            events: this.events.processed,
        };
    }
    async start(node) {
        if (this.behaviour.p2p)
            await this.service.register({ hostId: node.hostId, peerUrl: `http://${node.hostId}.sim:8010`, labels: {}, uploadCapacity: this.p.maxUploads, isSeed: false });
        if (this.behaviour.p2p)
            this.events.after(this.p.keepaliveMs, () => this.heartbeat(node));
        for (let i = 0; i < (this.behaviour.window ?? this.p.window); i++)
            this.requestNext(node);
    }
    async heartbeat(node) {
        if (!node.alive || this.unfinished === 0)
            return;
        await this.service.heartbeat(node.hostId, { currentUploads: node.uploads, uploadBytes: node.uploadBytes });
        node.uploadBytes = 0;
        if (node.index === 0)
            await this.service.sweep();
        this.events.after(this.p.keepaliveMs, () => this.heartbeat(node));
    }
    requestNext(node) {
        if (!node.alive || node.nextPiece >= this.pieces)
            return;
        const req = { node, piece: node.nextPiece++, round: 0, exclude: [], parents: [], tried: 0, failed: [], waitUntil: 0, ended: false };
        if (this.behaviour.p2p)
            this.events.after(0, () => this.resolve(req));
        else
            this.fromOrigin(req, false);
    }
    async resolve(req) {
        const { node, piece } = req;
        const offset = piece * this.p.pieceBytes;
        const exclude = [...node.excluded, ...req.exclude];
        const groups = await this.service.resolve({ hostId: node.hostId, blobId: BLOB_ID, offsets: [offset], exclude });
        this.resolves += 1;
        const second = Math.floor(this.events.now / 1000);
        this.resolvesPerSecond.set(second, (this.resolvesPerSecond.get(second) ?? 0) + 1);
        const plan = planRange(checkResolveGroups([offset], groups.map(groupToWire), node.hostId), [offset]);
        this.events.after(this.p.schedulerRttMs, () => this.act(req, plan));
    }
    act(req, plan) {
        if (!req.node.alive)
            return;
        const run = plan.runs[0];
        if (run === undefined) {
            this.fromOrigin(req, plan.leased.length > 0);
            return;
        }
        req.parents = this.behaviour.parents(run.parents);
        req.waitUntil = run.waitUntil - EPOCH_MS;
        req.tried = 0;
        if (req.parents[0]?.inProgress === true)
            req.node.relaying.add(req.piece);
        this.tryNextParent(req);
    }
    tryNextParent(req) {
        if (!req.node.alive || req.ended)
            return;
        const parentChoice = req.tried < this.p.maxParentTries ? req.parents[req.tried] : undefined;
        if (parentChoice === undefined) {
            if (req.round === 0 && req.failed.length > 0) {
                req.round = 1;
                req.exclude.push(...req.failed);
                this.events.after(0, () => this.resolve(req));
            }
            else {
                this.fromOrigin(req, false);
            }
            return;
        }
        req.tried += 1;
        const parent = this.byId.get(parentChoice.hostId);
        this.events.after(this.p.peerRttMs / 2, () => this.arrive(req, parent, parentChoice.inProgress));
    }
    /** The request reaches the parent's server. */
    arrive(req, parent, inProgress) {
        if (!req.node.alive)
            return;
        if (!parent.alive) {
            this.events.after(this.p.deadPeerMs, () => this.parentFailed(req, parent, 'UNREACHABLE'));
            return;
        }
        if (parent.servable[req.piece] === 1) {
            if (parent.uploads < this.p.maxUploads)
                this.upload(parent, req);
            // A request that asked to wait (an in-progress parent) waits for a slot (peer-server.ts).
            else if (inProgress)
                this.hold(req, parent, Math.max(0, Math.min(this.p.maxWaitMs, req.waitUntil - this.events.now)));
            else
                this.events.after(this.p.peerRttMs / 2, () => this.parentFailed(req, parent, undefined)); // 503
            return;
        }
        if (inProgress && (parent.leased.has(req.piece) || parent.relaying.has(req.piece))) {
            const waitMs = Math.max(0, Math.min(this.p.maxWaitMs, req.waitUntil - this.events.now));
            this.hold(req, parent, waitMs);
            return;
        }
        this.events.after(this.p.peerRttMs / 2, () => this.parentFailed(req, parent, undefined)); // 404
    }
    hold(req, at, waitMs) {
        req.waitingAt = at;
        at.slotQueue.push(req);
        this.events.after(waitMs, () => {
            if (req.waitingAt === undefined || req.ended)
                return;
            this.unhold(req);
            this.parentFailed(req, undefined, undefined); // the wait ran out: 404
        });
    }
    unhold(req) {
        const at = req.waitingAt;
        req.waitingAt = undefined;
        if (at === undefined)
            return;
        const i = at.slotQueue.indexOf(req);
        if (i >= 0)
            at.slotQueue.splice(i, 1);
    }
    /** A node with a free slot takes the requests held for what it can serve. */
    serveWaiting(node) {
        if (!node.alive)
            return;
        for (let i = 0; i < node.slotQueue.length && node.uploads < this.p.maxUploads;) {
            const req = node.slotQueue[i];
            if (node.servable[req.piece] !== 1) {
                i += 1;
                continue;
            }
            node.slotQueue.splice(i, 1);
            req.waitingAt = undefined;
            this.upload(node, req);
        }
    }
    upload(parent, req) {
        parent.uploads += 1;
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
        const broken = () => {
            parent.flows.delete(flow);
            req.node.flows.delete(flow);
            if (parent.alive) {
                parent.uploads -= 1;
                this.serveWaiting(parent);
            }
            if (req.node.alive)
                this.parentFailed(req, parent, 'UNREACHABLE');
        };
        parent.flows.set(flow, broken);
        req.node.flows.set(flow, broken);
    }
    async downloaded(req, parent, durationMs) {
        if (!req.node.alive)
            return;
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
    /** `parent` undefined: no parent to blame (a wait ran out). `outcome` undefined: not reported (busy, not held). */
    parentFailed(req, parent, outcome) {
        if (!req.node.alive || req.ended)
            return;
        this.parentFailures += 1;
        if (parent !== undefined) {
            req.failed.push(parent.hostId);
            if (outcome !== undefined)
                this.events.after(0, () => this.report(req.node, parent, 0, this.p.deadPeerMs, outcome));
        }
        this.tryNextParent(req);
    }
    async report(node, parent, bytes, durationMs, outcome) {
        await this.service.report({ hostId: node.hostId, parentHostId: parent.hostId, blobId: BLOB_ID, bytes, durationMs, outcome });
    }
    fromOrigin(req, leased) {
        const { node, piece } = req;
        if (leased)
            node.leased.add(piece);
        this.events.after(this.p.originRttMs, () => {
            if (!node.alive)
                return;
            const flow = this.net.start(this.origin, node.down, this.p.pieceBytes, () => {
                node.flows.delete(flow);
                node.originBytes += this.p.pieceBytes;
                this.received(req, leased);
            });
            node.flows.set(flow, () => node.flows.delete(flow));
        });
    }
    received(req, leased) {
        const { node, piece } = req;
        req.ended = true;
        node.received += 1;
        node.relaying.delete(piece);
        // Verified origin bytes of a leased piece are served from memory; the rest once committed.
        if (leased || this.behaviour.servesOnArrival)
            this.becomeServable(node, piece);
        const commit = () => {
            if (!node.alive)
                return;
            this.becomeServable(node, piece);
            node.leased.delete(piece);
            this.queueAnnounce(node, piece);
        };
        if (!this.behaviour.p2p)
            return this.finishedPiece(node);
        if (this.behaviour.servesOnArrival)
            commit();
        else
            this.events.after(this.p.commitMs, commit);
        this.finishedPiece(node);
    }
    finishedPiece(node) {
        if (node.received === this.pieces) {
            node.finishedAt = this.events.now;
            this.unfinished -= 1;
        }
        this.requestNext(node);
    }
    becomeServable(node, piece) {
        if (node.servable[piece] === 1)
            return;
        node.servable[piece] = 1;
        this.serveWaiting(node);
    }
    queueAnnounce(node, piece) {
        node.toAnnounce.push(piece);
        if (node.toAnnounce.length > 1)
            return;
        const send = async () => {
            if (!node.alive)
                return;
            const offsets = node.toAnnounce.splice(0).map((x) => x * this.p.pieceBytes);
            await this.service.announce(node.hostId, [{ blobId: BLOB_ID, offsets }], []);
        };
        if (this.behaviour.announcesAtOnce)
            this.events.after(0, send);
        else
            this.events.after(this.p.announceDelayMs, send);
    }
    /** The node's daemon dies: its transfers break, the requests held there fail, it stops heartbeating. */
    kill(node) {
        if (!node.alive)
            return;
        node.alive = false;
        if (node.finishedAt < 0)
            this.unfinished -= 1;
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
function mbitToBytesPerMs(mbit) {
    return (mbit * 1e6) / 8 / 1000;
}
//# sourceMappingURL=model.js.map