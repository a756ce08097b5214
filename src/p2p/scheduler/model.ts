/**
 * The scheduler's records and tunables, shared by the pure core, the state stores and the gRPC
 * edge. Times are milliseconds since the Unix epoch (from the injected clock); durations are ms.
 */
import { BLOB_ID } from '../../util/hex-id.js';

/** A peer as the scheduler knows it (one per host_id). */
export interface PeerRecord {
  hostId: string;
  /** Base URL of the peer's HTTP data plane. */
  peerUrl: string;
  labels: Record<string, string>;
  /** Maximum concurrent uploads; 0 = never handed out as a parent. */
  uploadCapacity: number;
  isSeed: boolean;
  /** Identifies one registration; a lease names (hostId, epoch) so a re-registered host loses it. */
  epoch: string;
  registeredAt: number;
  lastSeen: number;
  /** Load reported by the last heartbeat. */
  currentUploads: number;
  uploadBytes: number;
  /** Parents handed out (as first choice) since the last heartbeat, less the transfers from it reported since: load not yet reported. */
  assigned: number;
}

export interface PeerRegistration {
  hostId: string;
  peerUrl: string;
  labels: Record<string, string>;
  uploadCapacity: number;
  isSeed: boolean;
}

export interface PeerLoad {
  currentUploads: number;
  uploadBytes: number;
}

/** What requesters reported about a peer as a parent. Follows host_id across registrations. */
export interface PeerHistory {
  /** Moving average of outcomes in [0, 1]: OK = 1, SLOW = 0.5, UNREACHABLE and BAD_DATA = 0. */
  success: number;
  /** Moving average of reported throughput in bytes/s; 0 = unknown. */
  throughput: number;
  reports: number;
  /** Excluded as a parent until this time (BAD_DATA); 0 = not excluded. */
  badUntil: number;
  updatedAt: number;
}

export type Outcome = 'OK' | 'BAD_DATA' | 'SLOW' | 'UNREACHABLE';
export const OUTCOMES: readonly Outcome[] = ['OK', 'BAD_DATA', 'SLOW', 'UNREACHABLE'];

export interface TransferReport {
  /** The requester. */
  hostId: string;
  parentHostId: string;
  blobId: string;
  bytes: number;
  durationMs: number;
  outcome: Outcome;
}

/** The back-to-source lease on one chunk. */
export interface Lease {
  hostId: string;
  epoch: string;
  /** When the lease ends unless the holder announces the chunk or renews it first. */
  deadline: number;
}

/**
 * A peer that is receiving a chunk from another peer now (the cascade): it was handed `parentHostId`
 * as an in-progress parent while the chunk's back-to-source lease (rootHostId, rootEpoch) was
 * live, so later requesters can be pointed at it in turn. Depth 1 receives from the lease holder,
 * depth 2 from a depth-1 relay, and so on.
 */
export interface Relay {
  hostId: string;
  epoch: string;
  parentHostId: string;
  depth: number;
  /** The lease this relay hangs off; a relay of any other lease no longer counts. */
  rootHostId: string;
  rootEpoch: string;
  /** The lease's deadline: the relay counts no longer than the fetch it waits for. */
  deadline: number;
}

/** A candidate parent as handed to a requester. */
export interface ParentChoice {
  hostId: string;
  peerUrl: string;
  inProgress: boolean;
  score: number;
}

export type ChunkGroup =
  | { decision: 'PARENTS'; offsets: number[]; parents: ParentChoice[]; leaseDeadline: number }
  | { decision: 'BACK_TO_SOURCE'; offsets: number[]; leaseDeadline: number }
  | { decision: 'SOURCE'; offsets: number[] };

export interface Task {
  taskId: string;
  kind: 'preheat';
  imageRef: string;
  createdAt: number;
  /** For a file URL in imageRef: the file's sha256:<hex>. */
  digest?: string;
}

/**
 * Where a task stands, as the seed it went to reports it: QUEUED until the seed reports,
 * then SUCCEEDED or FAILED with the seed's reason.
 */
export type TaskState = 'QUEUED' | 'SUCCEEDED' | 'FAILED';

export interface TaskStatus {
  taskId: string;
  /** The peer the task was given to (the only one that may report on it). */
  hostId: string;
  imageRef: string;
  kind: Task['kind'];
  state: TaskState;
  /** The seed's reason for FAILED; empty otherwise. */
  reason: string;
  /** When the task was queued (when first reported, for a task the scheduler had forgotten). */
  createdAt: number;
  updatedAt: number;
}

/** Most recently changed first; ties by id, so that the order is stable. */
export function newestFirst(a: TaskStatus, b: TaskStatus): number {
  return b.updatedAt - a.updatedAt || a.taskId.localeCompare(b.taskId);
}

/** Relative weights of the score components (each component is in [0, 1]). */
export interface ScoreWeights {
  locality: number;
  load: number;
  history: number;
  seed: number;
}

/** Every scheduling tunable, with its default in DEFAULT_SCHEDULER_CONFIG. */
export interface SchedulerConfig {
  /** Heartbeat period asked of peers. */
  keepaliveIntervalMs: number;
  /** A peer not heard from for this long expires with its holdings and leases. */
  peerTtlMs: number;
  /** How long a BACK_TO_SOURCE lease lasts without an Announce (renewed by re-resolving). */
  leaseTtlMs: number;
  /** Parents per group when the requester does not ask for fewer. */
  maxParents: number;
  /**
   * Requesters pointed at one in-progress source of a chunk (the lease holder, or a peer receiving
   * the chunk from it) before deeper sources are used: the fan-out of the cascade tree. 0: no
   * cascade (every requester waits on the lease holder).
   */
  cascadeFanout: number;
  /**
   * Holders of one chunk a Resolve ranks at most (0: all). The memory store hands out a rotating
   * window of them, Redis a random sample: a chunk held by a thousand peers costs a Resolve the
   * same as one held by this many, and every holder is still handed out in turn.
   */
  maxHoldersPerChunk: number;
  /** How long a peer reported for BAD_DATA is not handed out. */
  badPeerMs: number;
  /** How long a peer's success history is kept after its last report. */
  historyTtlMs: number;
  /** Weight of the newest report in the success and throughput moving averages. */
  historyAlpha: number;
  /** Label keys for locality, most significant first: same region, then zone, then rack. */
  localityKeys: string[];
  weights: ScoreWeights;
  /** How long a queued task waits for its peer to watch. */
  taskTtlMs: number;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  keepaliveIntervalMs: 5_000,
  peerTtlMs: 20_000,
  leaseTtlMs: 30_000,
  maxParents: 4,
  cascadeFanout: 0,
  maxHoldersPerChunk: 64,
  badPeerMs: 60 * 60_000,
  historyTtlMs: 24 * 60 * 60_000,
  historyAlpha: 0.3,
  localityKeys: ['region', 'zone', 'rack'],
  weights: { locality: 0.4, load: 0.3, history: 0.25, seed: 0.05 },
  taskTtlMs: 60 * 60_000,
};

/** Limits on what one request may carry (the gRPC edge enforces them). */
export const LIMITS = {
  /** Offsets per Resolve. */
  resolveOffsets: 4096,
  /** Offsets per Announce, added and removed together. */
  announceOffsets: 65_536,
  hostIdLength: 253,
  peerUrlLength: 2048,
  labels: 32,
  labelLength: 256,
  maxParents: 32,
  imageRefLength: 4096,
  taskIdLength: 128,
  /** A seed's failure reason is cut to this many characters. */
  taskReasonLength: 1024,
  /** Tasks per ListTasks answer (the most recently changed). */
  listedTasks: 1000,
} as const;

const HOST_ID = /^[A-Za-z0-9._:-]+$/;

/** Why a request field is unacceptable, or undefined. Kept here so every edge says the same. */
export function checkHostId(hostId: string): string | undefined {
  if (hostId.length === 0 || hostId.length > LIMITS.hostIdLength || !HOST_ID.test(hostId)) {
    return `host_id ${JSON.stringify(hostId.slice(0, 80))} must be 1..${LIMITS.hostIdLength} characters of [A-Za-z0-9._:-]`;
  }
  return undefined;
}

export function checkBlobId(blobId: string): string | undefined {
  if (!BLOB_ID.test(blobId)) {
    return `blob_id ${JSON.stringify(blobId.slice(0, 80))} must be 64 lowercase hex digits (the blob's sha256)`;
  }
  return undefined;
}

export function checkOffset(offset: number): string | undefined {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % 4096 !== 0) {
    return `chunk offset ${offset} must be a non-negative multiple of 4096`;
  }
  return undefined;
}

export function checkPeerUrl(url: string): string | undefined {
  if (url.length === 0 || url.length > LIMITS.peerUrlLength) return 'peer_url must be 1..2048 characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `peer_url ${JSON.stringify(url.slice(0, 80))} is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `peer_url ${JSON.stringify(url.slice(0, 80))} must be http: or https:`;
  }
  return undefined;
}

export function checkLabels(labels: Record<string, string>): string | undefined {
  const entries = Object.entries(labels);
  if (entries.length > LIMITS.labels) return `at most ${LIMITS.labels} labels`;
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > LIMITS.labelLength || v.length > LIMITS.labelLength) {
      return `label ${JSON.stringify(k.slice(0, 80))}: keys 1..${LIMITS.labelLength} characters, values up to ${LIMITS.labelLength}`;
    }
  }
  return undefined;
}
