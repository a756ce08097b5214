/**
 * The snapshot model shared by the core, the metastore, the gRPC edge and the remote-layer seam.
 * Names follow containerd's snapshots package: a snapshot is `active` (writable, from Prepare),
 * `view` (read-only, from View) or `committed` (immutable, from Commit, usable as a parent).
 */

import type { UnixNanos } from './clock.js';

export type Kind = 'view' | 'active' | 'committed';

export type Labels = Record<string, string>;

/** What Stat/List/Update answer about a snapshot (containerd's snapshots.Info). */
export interface SnapshotInfo {
  /** The key of an active/view snapshot or the name of a committed one. */
  name: string;
  /** Name of the committed parent, '' for none. */
  parent: string;
  kind: Kind;
  /** Nanoseconds since the Unix epoch, as containerd keeps them. */
  created: UnixNanos;
  updated: UnixNanos;
  /** Never holds empty values: an empty value means "no such label" (containerd drops them). */
  labels: Labels;
}

/** Disk usage of a snapshot's own layer (its fs directory), as containerd's fs.DiskUsage counts it. */
export interface Usage {
  /** Allocated bytes (st_blocks × 512), each inode counted once. */
  size: number;
  /** Distinct inodes, the directory itself included. */
  inodes: number;
}

/** One mount(2) for containerd (containerd.types.Mount; `target` is not used by snapshotters). */
export interface Mount {
  type: string;
  source: string;
  options: string[];
}

/** Label that carries the chain ID of the layer being unpacked (set by containerd's unpacker). */
export const LABEL_SNAPSHOT_REF = 'containerd.io/snapshot.ref';
