import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Loads containerd's snapshots API (proto/containerd/...) at run time with @grpc/proto-loader.
 * The .proto files live at the repository root; this module is compiled to dist/snapshotter/, so
 * the path is resolved relative to this file and works from both places. google/protobuf types
 * (Empty, Timestamp, FieldMask) come from the copies bundled with protobufjs.
 *
 * Decoding options: camelCase field names, int64 as JavaScript numbers, enums as their names,
 * defaults filled in (an absent string is '', an absent list is []).
 */

export const PROTO_ROOT = fileURLToPath(new URL('../../proto/', import.meta.url));
export const SNAPSHOTS_PROTO = 'containerd/services/snapshots/v1/snapshots.proto';
export const SNAPSHOTS_SERVICE = 'containerd.services.snapshots.v1.Snapshots';

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

let cached: grpc.ServiceDefinition | undefined;

/** The service definition of containerd.services.snapshots.v1.Snapshots. */
export function snapshotsServiceDefinition(): grpc.ServiceDefinition {
  if (!cached) {
    const definition = protoLoader.loadSync(SNAPSHOTS_PROTO, LOADER_OPTIONS);
    cached = definition[SNAPSHOTS_SERVICE] as grpc.ServiceDefinition;
  }
  return cached;
}

// ---- wire shapes (as decoded with LOADER_OPTIONS) ------------------------------------------

export type WireKind = 'UNKNOWN' | 'VIEW' | 'ACTIVE' | 'COMMITTED';

export interface WireTimestamp {
  seconds: number;
  nanos: number;
}

export interface WireMount {
  type: string;
  source: string;
  target: string;
  options: string[];
}

export interface WireInfo {
  name: string;
  parent: string;
  kind: WireKind;
  createdAt: WireTimestamp | null;
  updatedAt: WireTimestamp | null;
  labels: Record<string, string>;
}

export interface PrepareRequest {
  snapshotter: string;
  key: string;
  parent: string;
  labels: Record<string, string>;
}
export interface KeyRequest {
  snapshotter: string;
  key: string;
}
export interface CommitRequest {
  snapshotter: string;
  name: string;
  key: string;
  labels: Record<string, string>;
}
export interface UpdateRequest {
  snapshotter: string;
  info: WireInfo | null;
  updateMask: { paths: string[] } | null;
}
export interface ListRequest {
  snapshotter: string;
  filters: string[];
}
export interface MountsResponse {
  mounts: WireMount[];
}
export interface InfoResponse {
  info: WireInfo;
}
export interface ListResponse {
  info: WireInfo[];
}
export interface UsageResponse {
  size: number;
  inodes: number;
}
