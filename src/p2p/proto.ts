/**
 * Loads proto/darner/p2p/v1/scheduler.proto at run time (@grpc/proto-loader) and describes its
 * messages as TypeScript types. Field names are camelCase (proto-loader's keepCase: false),
 * uint64 fields are plain numbers (chunk offsets and byte counts stay below 2^53), enums are their
 * names.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_FILE = join('proto', 'darner', 'p2p', 'v1', 'scheduler.proto');

/** The proto file, found by walking up from this module (works from src/ and from dist/src/). */
export function schedulerProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, PROTO_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${PROTO_FILE} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The generated client constructor; its `.service` is the definition servers add. */
export function schedulerServiceClient(): grpc.ServiceClientConstructor {
  if (cached === undefined) {
    const definition = protoLoader.loadSync(schedulerProtoPath(), {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      arrays: true,
      objects: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      darner: { p2p: { v1: { Scheduler: grpc.ServiceClientConstructor } } };
    };
    cached = pkg.darner.p2p.v1.Scheduler;
  }
  return cached;
}

// ---- messages (camelCase, as proto-loader gives and takes them) ----

export type WireDecision = 'DECISION_UNSPECIFIED' | 'PARENTS' | 'BACK_TO_SOURCE' | 'SOURCE';
export type WireOutcome = 'OUTCOME_UNSPECIFIED' | 'OK' | 'BAD_DATA' | 'SLOW' | 'UNREACHABLE';

export interface RegisterPeerRequest {
  hostId: string;
  peerUrl: string;
  labels: Record<string, string>;
  uploadCapacity: number;
  isSeed: boolean;
}
export interface RegisterPeerResponse {
  keepaliveIntervalMs: number;
  peerTtlMs: number;
  epoch: string;
  schedulerId: string;
}
export interface HeartbeatRequest {
  hostId: string;
  currentUploads: number;
  uploadBytes: number;
}
export interface HeartbeatResponse {
  keepaliveIntervalMs: number;
  peerTtlMs: number;
  excludedUntilUnixMs: number;
}
export interface UnregisterPeerRequest {
  hostId: string;
}
export interface WireBlobChunks {
  blobId: string;
  offsets: number[];
}
export interface AnnounceRequest {
  hostId: string;
  added: WireBlobChunks[];
  removed: WireBlobChunks[];
}
export interface ResolveRequest {
  hostId: string;
  blobId: string;
  offsets: number[];
  maxParents: number;
  excludeHostIds: string[];
  busyHostIds?: string[];
}
export interface WireParent {
  hostId: string;
  peerUrl: string;
  inProgress: boolean;
  score: number;
}
export interface WireChunkGroup {
  decision: WireDecision;
  offsets: number[];
  parents: WireParent[];
  leaseDeadlineUnixMs: number;
}
export interface ResolveResponse {
  blobId: string;
  groups: WireChunkGroup[];
}
export interface ReportResultRequest {
  hostId: string;
  parentHostId: string;
  blobId: string;
  bytes: number;
  durationMs: number;
  outcome: WireOutcome;
}
export interface PreheatRequest {
  imageRef: string;
  labels: Record<string, string>;
  digest: string;
}
export interface PreheatResponse {
  taskId: string;
  seedHostId: string;
}
export interface WatchTasksRequest {
  hostId: string;
}
export interface WireTask {
  taskId: string;
  kind: string;
  imageRef: string;
  createdUnixMs: number;
  digest: string;
}
export interface ReportTaskRequest {
  hostId: string;
  taskId: string;
  imageRef: string;
  ok: boolean;
  reason: string;
}
export interface GetTaskRequest {
  taskId: string;
}
export type WireTaskState = 'TASK_STATE_UNSPECIFIED' | 'TASK_UNKNOWN' | 'TASK_QUEUED' | 'TASK_SUCCEEDED' | 'TASK_FAILED';
export interface GetTaskResponse {
  taskId: string;
  state: WireTaskState;
  hostId: string;
  imageRef: string;
  reason: string;
  updatedUnixMs: number;
}
export interface StatusResponse {
  schedulerId: string;
  version: string;
  store: string;
  peers: number;
  seeds: number;
  uptimeMs: number;
}
export interface WirePeerInfo {
  hostId: string;
  peerUrl: string;
  labels: Record<string, string>;
  uploadCapacity: number;
  isSeed: boolean;
  currentUploads: number;
  uploadBytes: number;
  assigned: number;
  registeredUnixMs: number;
  lastSeenUnixMs: number;
  success: number;
  throughput: number;
  excludedUntilUnixMs: number;
  chunks: number;
  epoch: string;
}
export interface ListPeersResponse {
  peers: WirePeerInfo[];
}
export interface WireTaskInfo {
  taskId: string;
  kind: string;
  imageRef: string;
  state: WireTaskState;
  hostId: string;
  reason: string;
  createdUnixMs: number;
  updatedUnixMs: number;
}
export interface ListTasksResponse {
  tasks: WireTaskInfo[];
}
