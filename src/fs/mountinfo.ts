import { readFile } from 'node:fs/promises';

/**
 * Mounts from /proc/self/mountinfo (pure parser plus one reader), to find darner's FUSE mounts
 * left behind by a daemon that was killed: their mount points answer ENOTCONN until unmounted.
 */

export interface MountEntry {
  /** Where it is mounted (octal escapes undone). */
  mountPoint: string;
  /** Filesystem type, e.g. `fuse.darner`, `overlay`. */
  fsType: string;
  /** The mount source, e.g. `darner`. */
  source: string;
}

/** darner's FUSE mounts have this filesystem type (libfuse's `fuse.` + the `subtype` option). */
export const DARNER_FUSE_TYPE = 'fuse.darner';

function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Entries of a mountinfo text. Line format: `id parent major:minor root mountpoint options
 * [optional fields...] - fstype source superoptions`.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    const source = fields[dash + 2];
    if (dash < 0 || mountPoint === undefined || fsType === undefined || source === undefined) continue;
    out.push({ mountPoint: unescape(mountPoint), fsType, source: unescape(source) });
  }
  return out;
}

/** The mounts of this process's mount namespace ([] where /proc is absent). */
export async function readMounts(): Promise<MountEntry[]> {
  try {
    return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}
