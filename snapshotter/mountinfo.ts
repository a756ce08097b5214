import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Mount points from /proc/self/mountinfo, used so that directory removal never recurses into a
 * live mount (a FUSE lower layer, a leftover container rootfs).
 */

/** The mount points listed in a mountinfo text (field 5, with the kernel's octal escapes undone). */
export function parseMountPoints(mountinfo: string): string[] {
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.push(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return points;
}

/** Mount points at or below `dir`, from the given mountinfo text. */
export function mountPointsUnder(dir: string, mountinfo: string): string[] {
  const base = path.resolve(dir);
  return parseMountPoints(mountinfo).filter((p) => p === base || p.startsWith(`${base}/`));
}

/** Reads /proc/self/mountinfo ('' where there is none). */
export function readMountInfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}
