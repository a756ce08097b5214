import path from 'node:path';
import type { Kind, Mount } from './types.js';

/**
 * The mounts a snapshot is used through, computed exactly as containerd's overlayfs snapshotter
 * does (snapshots/overlay/overlay.go `mounts`), pure:
 *
 * - no parents: a bind mount of the snapshot's own fs dir, `rw` (active) or `ro` (view);
 * - active with parents: overlay with `workdir`, `upperdir` and `lowerdir=p1:p2:…`, nearest
 *   parent first;
 * - view with one parent: a read-only bind mount of that parent;
 * - view with two or more parents: overlay with `lowerdir` only (read-only by construction).
 *
 * Overlay mounts start with `index=off` when the kernel has the overlay `index` parameter and
 * `userxattr` when the snapshotter runs in a user namespace, like containerd's.
 *
 * One page limit: mount(2) takes at most one page of option data. containerd's mounter (the
 * daemon for unpacking, the runc shim for a container's rootfs) shortens long overlay options by
 * chdir-ing to the common parent of the lowerdirs and passing relative paths; with darner's layout
 * (`<root>/snapshots/<id>/fs`) a layer then costs about `<id>/fs:` bytes, so several hundred layers
 * fit (the kernel's own limit is 500 lower layers). `overlayOptionDataLength` computes the length
 * after that compaction so the snapshotter can warn before a container start fails.
 */

export interface OverlayFeatures {
  /** Add `index=off` (containerd does when /sys/module/overlay/parameters/index exists). */
  indexOff: boolean;
  /** Add `userxattr` (needed for overlayfs inside a user namespace, kernel 5.11+). */
  userxattr: boolean;
}

export interface MountPlan {
  /** `active` or `view`; a committed snapshot has no mounts. */
  kind: Exclude<Kind, 'committed'>;
  /** The snapshot's own layer directory (`<root>/snapshots/<id>/fs`). */
  upperDir: string;
  /** The overlay work directory (`<root>/snapshots/<id>/work`), used for active snapshots. */
  workDir: string;
  /** The directories of the parent layers, nearest parent first. */
  lowerDirs: readonly string[];
}

export function snapshotMounts(plan: MountPlan, features: OverlayFeatures): Mount[] {
  const { kind, upperDir, workDir, lowerDirs } = plan;
  if (lowerDirs.length === 0) {
    // overlayfs needs at least one lower layer, so a base layer is a plain bind mount.
    return [{ type: 'bind', source: upperDir, options: [kind === 'view' ? 'ro' : 'rw', 'rbind'] }];
  }
  if (kind === 'view' && lowerDirs.length === 1) {
    return [{ type: 'bind', source: lowerDirs[0] as string, options: ['ro', 'rbind'] }];
  }
  const options: string[] = [];
  if (features.indexOff) options.push('index=off');
  if (features.userxattr) options.push('userxattr');
  if (kind === 'active') options.push(`workdir=${workDir}`, `upperdir=${upperDir}`);
  options.push(`lowerdir=${lowerDirs.join(':')}`);
  return [{ type: 'overlay', source: 'overlay', options }];
}

/** mount(2) options that are flags, not data (containerd's parseMountOptions table). */
const FLAG_OPTIONS = new Set([
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'mand', 'noatime',
  'nodev', 'nodiratime', 'noexec', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'rbind',
  'relatime', 'remount', 'ro', 'rw', 'strictatime', 'suid', 'sync',
]);

/**
 * Length of the data string containerd will pass to mount(2) for these overlay options,
 * after its lowerdir compaction (applied when the options reach pagesize − 512 bytes).
 */
export function overlayOptionDataLength(options: readonly string[], pageSize: number): number {
  let effective = [...options];
  const total = options.reduce((n, o) => n + Buffer.byteLength(o), 0);
  if (total >= pageSize - 512) effective = compactLowerdir(effective);
  const data = effective.filter((o) => !FLAG_OPTIONS.has(o) || o === 'defaults');
  // 'defaults' has no flag value in containerd's table, so it falls through to data too.
  return Buffer.byteLength(data.join(','));
}

/** Whether a snapshot's mounts can be mounted by containerd (option data within one page). */
export function mountsFitPage(mounts: readonly Mount[], pageSize: number): boolean {
  return mounts.every((m) => m.type !== 'overlay' || overlayOptionDataLength(m.options, pageSize) <= pageSize);
}

function compactLowerdir(options: string[]): string[] {
  const idx = options.findIndex((o) => o.startsWith('lowerdir='));
  if (idx === -1) return options;
  const dirs = (options[idx] as string).slice('lowerdir='.length).split(':');
  if (dirs.length === 1) return options;
  const prefix = longestCommonPrefix(dirs);
  if (prefix === '') return options;
  // Snapshot ids are digits: step back to the parent directory so `snapshots/1` is not a prefix.
  let common = goPathDir(prefix);
  if (common === '/') return options;
  common += '/';
  const rest = options.filter((_, i) => i !== idx);
  return [...rest, `lowerdir=${dirs.map((d) => d.slice(common.length)).join(':')}`];
}

/** Go's path.Dir: everything before the last slash ('/a/b/' gives '/a/b', unlike Node's dirname). */
function goPathDir(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return path.posix.normalize(p.slice(0, i));
}

function longestCommonPrefix(strings: readonly string[]): string {
  let min = strings[0] ?? '';
  let max = min;
  for (const s of strings) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  let i = 0;
  while (i < min.length && min[i] === max[i]) i++;
  return min.slice(0, i);
}
