/**
 * One blob cache directory, one process: `<dir>/lock` holds the owner's pid. A lock whose process
 * is gone (a crash, SIGKILL) is taken over; one held by a live process is refused with
 * CacheLockedError. Two daemons sharing a cache would each trust in-memory state (verified and
 * ready bits, leases) that the other changes under it.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheLockedError } from '../errors.js';

export interface DirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDirectory(dir: string): Promise<DirLock> {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = await readFile(path, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new CacheLockedError(dir, pid);
    // Stale (its process is gone) or half-written: remove it and try again.
    await unlink(path).catch(() => undefined);
  }
  throw new CacheLockedError(dir, -1);
}
