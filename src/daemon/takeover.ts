/**
 * Which of the saved mounts a starting daemon takes over as they are, and which kernel mounts its
 * predecessor left that must be detached first (docs/failover.md). Pure: it reads the saved
 * records, /proc/self/mountinfo's entries and the names of the fds the keeper holds, and decides.
 *
 * A mount is taken over (served again on its kept connection, nothing unmounted) when it was an
 * erofs-mode mount, its kernel EROFS mount of the saved bootstrap is still at its mount point,
 * its blob devices are still mounted at devices/<id>, and the keeper holds that connection's fd.
 * A mount whose EROFS mount is still there but whose connection the keeper does not hold is lost:
 * the connection ended with the old daemon (no keeper, or the keeper died too), and readers of it
 * see EIO until it is mounted again.
 */
import type { MountEntry } from '../util/mountinfo.js';
import { DARNER_FUSE_TYPE } from '../fs/fuse-mount.js';
import type { MountRecord } from './state.js';

export interface TakeoverPaths {
  mountDir: string;
  deviceRoot: string;
  bootstrapDir: string;
  deviceDir(id: string): string;
  bootstrapPath(digest: string): string;
}

export interface TakeoverPlan {
  /** Ids of the records to take over, each with the kept fd's name (the mount id). */
  adopt: Set<string>;
  /** Records whose EROFS mount is still there but whose connection is gone. */
  lost: MountRecord[];
  /** Mount points to detach before mounting again, kernel EROFS mounts first. */
  detach: Array<{ mountPoint: string; kind: 'erofs' | 'fuse'; remove: boolean }>;
}

function under(dir: string, path: string): boolean {
  return path.startsWith(`${dir}/`);
}

export function planTakeover(records: readonly MountRecord[], mounts: readonly MountEntry[], paths: TakeoverPaths, kept: ReadonlySet<string>): TakeoverPlan {
  const has = (mountPoint: string, pred: (m: MountEntry) => boolean): boolean => mounts.some((m) => m.mountPoint === mountPoint && pred(m));
  const adopt = new Set<string>();
  const lost: MountRecord[] = [];
  const keepMounted = new Set<string>();
  for (const r of records) {
    const { id, mountpoint, bootstrapDigest, mode } = r.mount;
    const erofsThere = has(mountpoint, (m) => m.fsType === 'erofs' && m.source === paths.bootstrapPath(bootstrapDigest));
    if (!erofsThere) continue;
    const devicesThere = has(paths.deviceDir(id), (m) => m.fsType === DARNER_FUSE_TYPE);
    if (mode === 'erofs' && devicesThere && kept.has(id)) {
      adopt.add(id);
      keepMounted.add(mountpoint);
      keepMounted.add(paths.deviceDir(id));
    } else {
      lost.push(r);
    }
  }
  const wanted = new Set(records.map((r) => r.mount.mountpoint));
  const detach: TakeoverPlan['detach'] = [];
  // Kernel EROFS mounts of saved bootstraps first: they hold their blob devices open.
  for (const m of mounts) {
    if (m.fsType !== 'erofs' || !under(paths.bootstrapDir, m.source) || keepMounted.has(m.mountPoint)) continue;
    if (!wanted.has(m.mountPoint) && !under(paths.mountDir, m.mountPoint)) continue;
    detach.push({ mountPoint: m.mountPoint, kind: 'erofs', remove: !wanted.has(m.mountPoint) });
  }
  for (const m of mounts) {
    if (m.fsType !== DARNER_FUSE_TYPE || keepMounted.has(m.mountPoint)) continue;
    if (!wanted.has(m.mountPoint) && !under(paths.mountDir, m.mountPoint) && !under(paths.deviceRoot, m.mountPoint)) continue;
    detach.push({ mountPoint: m.mountPoint, kind: 'fuse', remove: !wanted.has(m.mountPoint) });
  }
  return { adopt, lost, detach };
}
