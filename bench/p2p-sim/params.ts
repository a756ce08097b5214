import { BUSY_RETRY_DEFAULTS, type BusyRetrySettings } from '../../src/p2p/busy-retry.js';

/** What one simulated run is made of, and the defaults of the scale scenarios. */

export const MiB = 1 << 20;
export const GiB = 1 << 30;

export interface SimParams {
  nodes: number;
  /** Bytes every node reads, in order, from the start. */
  imageBytes: number;
  /** The unit of a request, a lease and an announce (one chunk offset at the scheduler). */
  pieceBytes: number;
  /** Requests a node keeps in flight (its demand read plus read-ahead). */
  window: number;
  /** Each node's uplink and downlink. */
  nodeUpMbit: number;
  nodeDownMbit: number;
  /** The origin registry's uplink, shared by every origin transfer. */
  originMbit: number;
  /** From a request to the origin to its first byte. */
  originRttMs: number;
  /** Round trip between two peers. */
  peerRttMs: number;
  /** Round trip of a Resolve to the scheduler. */
  schedulerRttMs: number;
  /** From a piece's arrival to its commit in the cache (disk syncs). */
  commitMs: number;
  /** The scheduler client's announce batching delay. */
  announceDelayMs: number;
  /** Nodes start at seeded random times in [0, arrivalSpreadMs). */
  arrivalSpreadMs: number;
  /** Upload slots per node (max_uploads). */
  maxUploads: number;
  /** Longest hold of a request at an in-progress parent. */
  maxWaitMs: number;
  /** Parents tried per request before re-resolving (then the origin). */
  maxParentTries: number;
  /** The peer source's wait for busy holders (the daemon's p2p.busy_wait_ms, busy_retry_min_ms, busy_retry_max_ms). */
  busyRetry: BusyRetrySettings;
  /** How long a request to a dead parent takes to fail (first-byte timeout). */
  deadPeerMs: number;
  keepaliveMs: number;
  /** This many nodes (never node 0) die at failAtMs. */
  failedNodes: number;
  failAtMs: number;
  /** This many nodes serve bytes that fail verification. */
  badNodes: number;
  /** The memory store's maxHoldersPerChunk (0: every holder is ranked at every Resolve). */
  maxHoldersPerChunk: number;
  seed: number;
}

/** The scale scenario: 1 Gbit/s everywhere, a 1 GiB image read whole, starts within 1 s. */
export const SCALE_DEFAULTS: Omit<SimParams, 'nodes'> = {
  imageBytes: GiB,
  pieceBytes: 4 * MiB,
  window: 2,
  nodeUpMbit: 1000,
  nodeDownMbit: 1000,
  originMbit: 1000,
  originRttMs: 20,
  peerRttMs: 1,
  schedulerRttMs: 1,
  commitMs: 10,
  announceDelayMs: 100,
  arrivalSpreadMs: 1000,
  maxUploads: 16,
  maxWaitMs: 15_000,
  maxParentTries: 4,
  busyRetry: BUSY_RETRY_DEFAULTS,
  deadPeerMs: 2_000,
  keepaliveMs: 5_000,
  failedNodes: 0,
  failAtMs: 0,
  badNodes: 0,
  maxHoldersPerChunk: 64,
  seed: 1,
};

export function scaleParams(nodes: number, over: Partial<SimParams> = {}): SimParams {
  return { ...SCALE_DEFAULTS, nodes, ...over };
}
