/**
 * The scheduler's operations over a StateStore: validates each request, loads what the pure core
 * (./core.ts) needs, applies its decisions. Transport-free: the gRPC edge (./server.ts) and the
 * tests call it directly. Time comes from an injected clock, ids from an injected generator.
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError, NoSeedPeerError, PeerNotRegisteredError } from '../../errors.js';
import {
  applyReport,
  decideLeased,
  firstChoices,
  groupDecisions,
  pickSeed,
  planResolve,
  uniqueSorted,
  type ChunkDecision,
  type ResolvePlan,
} from './core.js';
import { decideCascade } from './cascade.js';
import { isEligibleParent } from './scoring.js';
import {
  DEFAULT_SCHEDULER_CONFIG,
  LIMITS,
  OUTCOMES,
  checkBlobId,
  checkHostId,
  checkLabels,
  checkOffset,
  checkPeerUrl,
  type ChunkGroup,
  type Lease,
  type PeerHistory,
  type PeerLoad,
  type PeerRecord,
  type PeerRegistration,
  type SchedulerConfig,
  type Task,
  type TaskStatus,
  type TransferReport,
} from './model.js';
import type { StateStore } from './store.js';

export interface SchedulerServiceOptions {
  store: StateStore;
  config?: Partial<SchedulerConfig>;
  /** Milliseconds since the Unix epoch; Date.now by default. */
  clock?: () => number;
  /** Fresh ids for epochs and tasks; randomUUID by default. */
  newId?: () => string;
  /** Names this replica in answers and logs. */
  schedulerId?: string;
}

export interface BlobChunks {
  blobId: string;
  offsets: number[];
}

export interface ResolveRequest {
  hostId: string;
  blobId: string;
  offsets: readonly number[];
  /** At most this many parents per group (capped by config.maxParents); 0/undefined = default. */
  maxParents?: number;
  /** Hosts not to hand out. */
  exclude?: readonly string[];
  /** Hosts that just answered the requester busy: ranked after every other holder, still holders. */
  busy?: readonly string[];
}

export interface KeepaliveAnswer {
  keepaliveIntervalMs: number;
  peerTtlMs: number;
}

export interface PeerView extends PeerRecord {
  success: number;
  throughput: number;
  badUntil: number;
  chunks: number;
}

export class SchedulerService {
  readonly store: StateStore;
  readonly config: SchedulerConfig;
  readonly schedulerId: string;
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(options: SchedulerServiceOptions) {
    this.store = options.store;
    this.config = { ...DEFAULT_SCHEDULER_CONFIG, ...options.config };
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.schedulerId = options.schedulerId ?? this.newId();
  }

  now(): number {
    return this.clock();
  }

  async register(reg: PeerRegistration): Promise<KeepaliveAnswer & { epoch: string }> {
    need(checkHostId(reg.hostId));
    need(checkPeerUrl(reg.peerUrl));
    need(checkLabels(reg.labels));
    if (!Number.isInteger(reg.uploadCapacity) || reg.uploadCapacity < 0 || reg.uploadCapacity > 1_000_000) {
      throw new BadRequestError(`upload_capacity ${reg.uploadCapacity} must be an integer in 0..1000000`);
    }
    const now = this.clock();
    const peer: PeerRecord = {
      hostId: reg.hostId,
      peerUrl: reg.peerUrl,
      labels: { ...reg.labels },
      uploadCapacity: reg.uploadCapacity,
      isSeed: reg.isSeed,
      epoch: this.newId(),
      registeredAt: now,
      lastSeen: now,
      currentUploads: 0,
      uploadBytes: 0,
      assigned: 0,
    };
    await this.store.registerPeer(peer, this.config.peerTtlMs);
    return { ...this.keepalive(), epoch: peer.epoch };
  }

  async heartbeat(hostId: string, load: PeerLoad): Promise<KeepaliveAnswer & { excludedUntil: number }> {
    need(checkHostId(hostId));
    const now = this.clock();
    const clean: PeerLoad = {
      currentUploads: nonNegative(load.currentUploads),
      uploadBytes: nonNegative(load.uploadBytes),
    };
    const peer = await this.store.heartbeat(hostId, clean, now, this.config.peerTtlMs);
    if (peer === undefined) throw new PeerNotRegisteredError(hostId);
    const history = (await this.store.getHistories([hostId], now)).get(hostId);
    const excludedUntil = history !== undefined && history.badUntil > now ? history.badUntil : 0;
    return { ...this.keepalive(), excludedUntil };
  }

  async unregister(hostId: string): Promise<boolean> {
    need(checkHostId(hostId));
    return this.store.unregisterPeer(hostId);
  }

  async announce(hostId: string, added: readonly BlobChunks[], removed: readonly BlobChunks[]): Promise<void> {
    need(checkHostId(hostId));
    let total = 0;
    for (const set of [...added, ...removed]) {
      need(checkBlobId(set.blobId));
      for (const offset of set.offsets) need(checkOffset(offset));
      total += set.offsets.length;
    }
    if (total > LIMITS.announceOffsets) {
      throw new BadRequestError(`announce carries ${total} offsets; at most ${LIMITS.announceOffsets} per call`);
    }
    const peer = await this.requirePeer(hostId);
    for (const set of removed) {
      const ok = await this.store.removeHoldings(hostId, peer.epoch, set.blobId, uniqueSorted(set.offsets));
      if (!ok) throw new PeerNotRegisteredError(hostId);
    }
    for (const set of added) {
      const ok = await this.store.addHoldings(hostId, peer.epoch, set.blobId, uniqueSorted(set.offsets));
      if (!ok) throw new PeerNotRegisteredError(hostId);
    }
  }

  /** The Resolve flow of core.ts's DEV DOCS, steps 1–5. */
  async resolve(req: ResolveRequest): Promise<ChunkGroup[]> {
    need(checkHostId(req.hostId));
    need(checkBlobId(req.blobId));
    if (req.offsets.length === 0) return [];
    if (req.offsets.length > LIMITS.resolveOffsets) {
      throw new BadRequestError(`resolve asks for ${req.offsets.length} chunks; at most ${LIMITS.resolveOffsets} per call`);
    }
    for (const offset of req.offsets) need(checkOffset(offset));
    for (const hostId of req.exclude ?? []) need(checkHostId(hostId));
    for (const hostId of req.busy ?? []) need(checkHostId(hostId));
    const now = this.clock();
    const requester = await this.requirePeer(req.hostId);
    const offsets = uniqueSorted(req.offsets);
    const exclude = new Set(req.exclude ?? []);
    const busy = new Set(req.busy ?? []);
    const maxParents = req.maxParents !== undefined && req.maxParents > 0
      ? Math.min(req.maxParents, this.config.maxParents)
      : this.config.maxParents;

    const decisions = new Map<number, ChunkDecision>();
    const me = { hostId: requester.hostId, epoch: requester.epoch };
    let todo = offsets;
    // The cascade parents handed out: the load the next requesters are spread by (./cascade.ts).
    const waitedOn = new Set<string>();
    // Two passes at most: the election refuses offsets that a peer announced after we looked
    // (they are planned again with the fresh holders); the second election takes what is left.
    for (let pass = 0; pass < 2 && todo.length > 0; pass++) {
      // 1–2. Holders, their live records, and ranked parents per offset.
      const { plan, unusable } = await this.planOffsets(requester, req.blobId, todo, { exclude, busy }, maxParents, now);
      for (const [offset, parents] of plan.parents) decisions.set(offset, { decision: 'PARENTS', parents, leaseDeadline: 0 });
      if (plan.needLease.length === 0) break;

      // 3–4. The lease election for the rest, then what each lease means for this requester.
      const unlessHeld = pass === 0 ? { ignore: [requester.hostId, ...exclude, ...unusable] } : undefined;
      const election = await this.store.acquireLeases(req.blobId, plan.needLease, me, this.config.leaseTtlMs, now, unlessHeld);
      const others = new Set<string>();
      for (const lease of election.leases.values()) if (lease.hostId !== requester.hostId) others.add(lease.hostId);
      const owners = others.size > 0 ? await this.store.getPeers([...others], now) : new Map<string, PeerRecord>();
      // Offsets another live peer is fetching, by lease: the cascade picks who to wait on.
      const inProgress = new Map<string, { lease: Lease; offsets: number[] }>();
      for (const [offset, lease] of election.leases) {
        const decision = decideLeased(requester, lease, owners.get(lease.hostId), exclude, now);
        decisions.set(offset, decision);
        if (decision.decision !== 'PARENTS' || this.config.cascadeFanout === 0) continue;
        const key = `${lease.hostId}|${lease.epoch}|${lease.deadline}`;
        const group = inProgress.get(key) ?? { lease, offsets: [] };
        group.offsets.push(offset);
        inProgress.set(key, group);
      }
      for (const { lease, offsets: leased } of inProgress.values()) {
        waitedOn.add(await this.cascade(requester, req.blobId, lease, owners.get(lease.hostId)!, leased, exclude, maxParents, now, decisions));
      }
      todo = election.held;
    }
    for (const offset of offsets) if (!decisions.has(offset)) decisions.set(offset, { decision: 'SOURCE' });

    // 5. Groups; first choices (and the cascade's first parents) count as load until their next heartbeat.
    const groups = groupDecisions(decisions);
    const assigned = [...new Set([...firstChoices(groups), ...waitedOn])];
    if (assigned.length > 0) await this.store.noteAssigned(assigned);
    return groups;
  }

  /**
   * Step 4 for offsets whose live lease another peer holds: the in-progress parents from the
   * lease holder and its relays (./cascade.ts), and the requester recorded as a relay in turn.
   * Returns the first parent, counted as load on it.
   */
  private async cascade(
    requester: PeerRecord,
    blobId: string,
    lease: Lease,
    holder: PeerRecord,
    offsets: number[],
    exclude: ReadonlySet<string>,
    maxParents: number,
    now: number,
    decisions: Map<number, ChunkDecision>,
  ): Promise<string> {
    const relays = await this.store.relays(blobId, offsets);
    const hostIds = new Set<string>();
    for (const list of relays.values()) for (const r of list) if (r.hostId !== requester.hostId) hostIds.add(r.hostId);
    const ids = [...hostIds];
    const [peers, histories] = ids.length > 0
      ? await Promise.all([this.store.getPeers(ids, now), this.store.getHistories(ids, now)])
      : [new Map<string, PeerRecord>(), new Map<string, PeerHistory>()];
    const decided = decideCascade({
      requester, offsets, lease, holder, relays, peers, histories, exclude, maxParents, fanout: this.config.cascadeFanout, now,
    });
    for (const offset of offsets) decisions.set(offset, { decision: 'PARENTS', parents: decided.parents, leaseDeadline: lease.deadline });
    await this.store.putRelays(blobId, decided.relays, now);
    return decided.parents[0]!.hostId;
  }

  /** Steps 1–2 for some offsets; also the live holders that may not be parents (for the election). */
  private async planOffsets(
    requester: PeerRecord,
    blobId: string,
    offsets: readonly number[],
    { exclude, busy }: { exclude: ReadonlySet<string>; busy: ReadonlySet<string> },
    maxParents: number,
    now: number,
  ): Promise<{ plan: ResolvePlan; unusable: string[] }> {
    const holders = await this.store.holders(blobId, offsets);
    const holderIds = new Set<string>();
    for (const hosts of holders.values()) for (const h of hosts) holderIds.add(h);
    holderIds.delete(requester.hostId);
    const ids = [...holderIds];
    const [peers, histories] = await Promise.all([this.store.getPeers(ids, now), this.store.getHistories(ids, now)]);
    const plan = planResolve({ requester, offsets, holders, peers, histories, exclude, busy, maxParents, now, config: this.config });
    const unusable = [...peers.values()]
      .filter((p) => exclude.has(p.hostId) || !isEligibleParent(p, histories.get(p.hostId), now))
      .map((p) => p.hostId);
    return { plan, unusable };
  }

  async report(report: TransferReport): Promise<PeerHistory> {
    need(checkHostId(report.hostId));
    need(checkHostId(report.parentHostId));
    need(checkBlobId(report.blobId));
    if (!OUTCOMES.includes(report.outcome)) throw new BadRequestError(`unknown outcome ${String(report.outcome)}`);
    if (report.parentHostId === report.hostId) throw new BadRequestError('a peer cannot report on itself');
    await this.requirePeer(report.hostId);
    const now = this.clock();
    const clean = { bytes: nonNegative(report.bytes), durationMs: nonNegative(report.durationMs), outcome: report.outcome };
    // The transfer is over: the hand-out Resolve counted against the parent ends with it.
    await this.store.noteReleased(report.parentHostId);
    return this.store.updateHistory(
      report.parentHostId,
      (old) => applyReport(old, clean, now, this.config),
      now,
      Math.max(this.config.historyTtlMs, this.config.badPeerMs),
    );
  }

  async preheat(imageRef: string, labels: Record<string, string> = {}, digest = ''): Promise<{ taskId: string; seedHostId: string }> {
    if (imageRef.length === 0 || imageRef.length > LIMITS.imageRefLength || /\s/.test(imageRef)) {
      throw new BadRequestError('image_ref must be 1..4096 characters without whitespace');
    }
    const isUrl = /^https?:\/\//i.test(imageRef);
    if (digest !== '' && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new BadRequestError('digest must be sha256:<64 lowercase hex digits>');
    if (isUrl !== (digest !== '')) throw new BadRequestError('a file URL needs its digest, and only a file URL takes one');
    need(checkLabels(labels));
    const now = this.clock();
    const seeds = (await this.store.listPeers(now)).filter((p) => p.isSeed);
    const histories = await this.store.getHistories(seeds.map((s) => s.hostId), now);
    const seed = pickSeed(seeds, histories, labels, now, this.config);
    if (seed === undefined) {
      throw new NoSeedPeerError(seeds.length === 0
        ? 'no seed peer is registered with the scheduler'
        : 'every registered seed peer is excluded for serving bad data');
    }
    const task: Task = { taskId: this.newId(), kind: 'preheat', imageRef, createdAt: now, ...(digest !== '' ? { digest } : {}) };
    // The status first: a seed that takes the task at once may report before pushTask returns.
    await this.store.putTaskStatus({ taskId: task.taskId, hostId: seed.hostId, imageRef, kind: task.kind, state: 'QUEUED', reason: '', createdAt: now, updatedAt: now }, this.config.taskTtlMs, now);
    await this.store.pushTask(seed.hostId, task, this.config.taskTtlMs, now);
    return { taskId: task.taskId, seedHostId: seed.hostId };
  }

  /**
   * The seed's outcome of a task it was given. A task the scheduler no longer knows (expired, or
   * lost with an in-memory scheduler's restart) is recorded anyway, so that a waiting operator
   * still learns the outcome; a task given to another host is refused.
   */
  async reportTask(hostId: string, taskId: string, imageRef: string, ok: boolean, reason: string): Promise<void> {
    need(checkHostId(hostId));
    need(checkTaskId(taskId));
    const now = this.clock();
    const known = await this.store.getTaskStatus(taskId, now);
    if (known !== undefined && known.hostId !== hostId) {
      throw new BadRequestError(`task ${taskId} was not given to ${hostId}`);
    }
    const status: TaskStatus = {
      taskId,
      hostId,
      imageRef: known?.imageRef ?? imageRef.slice(0, LIMITS.imageRefLength),
      kind: known?.kind ?? 'preheat',
      state: ok ? 'SUCCEEDED' : 'FAILED',
      reason: ok ? '' : oneLine(reason).slice(0, LIMITS.taskReasonLength) || 'failed without a reason',
      createdAt: known?.createdAt ?? now,
      updatedAt: now,
    };
    await this.store.putTaskStatus(status, this.config.taskTtlMs, now);
  }

  /** Where a task stands; undefined if the scheduler does not know it (any more). */
  async taskStatus(taskId: string): Promise<TaskStatus | undefined> {
    need(checkTaskId(taskId));
    return this.store.getTaskStatus(taskId, this.clock());
  }

  /** The tasks the scheduler still knows, most recently changed first (at most LIMITS.listedTasks). */
  async listTasks(): Promise<TaskStatus[]> {
    return this.store.listTaskStatuses(this.clock(), LIMITS.listedTasks);
  }

  async takeTasks(hostId: string): Promise<Task[]> {
    need(checkHostId(hostId));
    return this.store.takeTasks(hostId, this.clock());
  }

  async requirePeer(hostId: string): Promise<PeerRecord> {
    const peer = (await this.store.getPeers([hostId], this.clock())).get(hostId);
    if (peer === undefined) throw new PeerNotRegisteredError(hostId);
    return peer;
  }

  async listPeers(): Promise<PeerView[]> {
    const now = this.clock();
    const peers = await this.store.listPeers(now);
    const ids = peers.map((p) => p.hostId);
    const [histories, counts] = await Promise.all([this.store.getHistories(ids, now), this.store.heldCounts(ids)]);
    return peers.map((p) => {
      const h = histories.get(p.hostId);
      return {
        ...p,
        success: h?.success ?? 1,
        throughput: h?.throughput ?? 0,
        badUntil: h !== undefined && h.badUntil > now ? h.badUntil : 0,
        chunks: counts.get(p.hostId) ?? 0,
      };
    });
  }

  async counts(): Promise<{ peers: number; seeds: number }> {
    const peers = await this.store.listPeers(this.clock());
    return { peers: peers.length, seeds: peers.filter((p) => p.isSeed).length };
  }

  /** Drops peers past their TTL with everything they announced; returns their host ids. */
  async sweep(): Promise<string[]> {
    return this.store.expirePeers(this.clock());
  }

  private keepalive(): KeepaliveAnswer {
    return { keepaliveIntervalMs: this.config.keepaliveIntervalMs, peerTtlMs: this.config.peerTtlMs };
  }
}

function need(problem: string | undefined): void {
  if (problem !== undefined) throw new BadRequestError(problem);
}

function checkTaskId(taskId: string): string | undefined {
  if (taskId.length === 0 || taskId.length > LIMITS.taskIdLength || !/^[A-Za-z0-9._:-]+$/.test(taskId)) {
    return `task_id must be 1..${LIMITS.taskIdLength} characters of [A-Za-z0-9._:-]`;
  }
  return undefined;
}

/** Control characters and line breaks become spaces: the reason is printed as one line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}
