import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A real root filesystem for tests and benchmarks: Debian bookworm minbase made by debootstrap,
 * tarred with owners, modes, xattrs and hard links, and cached under /var/cache/darner-test so
 * that only the first run on a machine pays for it (a few minutes). Tests skip with a clear
 * message only when the Debian archive cannot be reached.
 */

const run = promisify(execFile);

export const DEBIAN_MIRROR = process.env.DARNER_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
export const DEBIAN_CACHE_DIR = process.env.DARNER_TEST_CACHE ?? '/var/cache/darner-test';
const TARBALL = 'debian-bookworm-minbase.tar';

export type DebianRootfs = { ok: true; tar: string; size: number } | { ok: false; reason: string };

let pending: Promise<DebianRootfs> | undefined;

/** The cached minbase tar (uncompressed), building it on first use. */
export function debianMinbaseTar(): Promise<DebianRootfs> {
  pending ??= build();
  return pending;
}

async function build(): Promise<DebianRootfs> {
  const tar = join(DEBIAN_CACHE_DIR, TARBALL);
  if (existsSync(tar)) return { ok: true, tar, size: statSync(tar).size };
  mkdirSync(DEBIAN_CACHE_DIR, { recursive: true });
  // A lock directory: concurrent test processes wait for the one that builds.
  const lock = join(DEBIAN_CACHE_DIR, `${TARBALL}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(tar)) return { ok: true, tar, size: statSync(tar).size };
      const age = Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
      if (age > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  const root = join(DEBIAN_CACHE_DIR, 'minbase-root');
  try {
    if (existsSync(tar)) return { ok: true, tar, size: statSync(tar).size };
    rmSync(root, { recursive: true, force: true });
    try {
      await run('debootstrap', ['--variant=minbase', 'bookworm', root, DEBIAN_MIRROR], { maxBuffer: 64 << 20, timeout: 30 * 60_000 });
    } catch (err) {
      const log = existsSync(join(root, 'debootstrap', 'debootstrap.log')) ? readFileSync(join(root, 'debootstrap', 'debootstrap.log'), 'utf8') : '';
      const text = `${(err as Error).message}\n${log}`;
      if (/Failed getting release file|Could not resolve|unable to connect|Network is unreachable|Temporary failure/i.test(text)) {
        return { ok: false, reason: `the Debian archive ${DEBIAN_MIRROR} is unreachable` };
      }
      throw err;
    }
    const partial = `${tar}.partial`;
    await run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--format=posix', '-C', root, '-cf', partial, '.'], {
      maxBuffer: 64 << 20,
    });
    renameSync(partial, tar);
    return { ok: true, tar, size: statSync(tar).size };
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}
