import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mirrorFor, readAptSources } from './apt-sources.js';
import { TEST_CACHE_DIR } from './test-cache.js';
/**
 * A real root filesystem for tests and benchmarks: Debian bookworm minbase made by debootstrap,
 * tarred with owners, modes, xattrs and hard links, and cached under /var/cache/darner-test so
 * that only the first run on a machine pays for it (a few minutes; .ci/setup builds it). The
 * archive is the one apt uses on this machine (its bookworm main source), or
 * DARNER_DEBIAN_MIRROR. When the archive cannot be reached the result says why, and the tests
 * that need the tar fail with that reason: they never pass without it.
 */
const run = promisify(execFile);
export const DEBIAN_MIRROR = process.env.DARNER_DEBIAN_MIRROR || mirrorFor(readAptSources(), 'bookworm');
export const DEBIAN_CACHE_DIR = TEST_CACHE_DIR;
const TARBALL = 'debian-bookworm-minbase.tar';
let pending;
/** The cached minbase tar (uncompressed), building it on first use. */
export function debianMinbaseTar() {
    pending ??= build();
    return pending;
}
async function build() {
    const tar = join(DEBIAN_CACHE_DIR, TARBALL);
    if (existsSync(tar))
        return { ok: true, tar, size: statSync(tar).size };
    const mirror = DEBIAN_MIRROR;
    if (mirror === undefined)
        return { ok: false, reason: 'apt has no source for bookworm main and DARNER_DEBIAN_MIRROR is not set' };
    mkdirSync(DEBIAN_CACHE_DIR, { recursive: true });
    // A lock directory: concurrent test processes wait for the one that builds.
    const lock = join(DEBIAN_CACHE_DIR, `${TARBALL}.lock`);
    for (;;) {
        try {
            mkdirSync(lock);
            break;
        }
        catch {
            if (existsSync(tar))
                return { ok: true, tar, size: statSync(tar).size };
            const age = Date.now() - statSync(lock, { throwIfNoEntry: false }).mtimeMs;
            if (age > 20 * 60_000)
                rmSync(lock, { recursive: true, force: true });
            await new Promise((r) => setTimeout(r, 2000));
        }
    }
    const root = join(DEBIAN_CACHE_DIR, 'minbase-root');
    try {
        if (existsSync(tar))
            return { ok: true, tar, size: statSync(tar).size };
        rmSync(root, { recursive: true, force: true });
        try {
            await run('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], { maxBuffer: 64 << 20, timeout: 30 * 60_000 });
        }
        catch (err) {
            const log = existsSync(join(root, 'debootstrap', 'debootstrap.log')) ? readFileSync(join(root, 'debootstrap', 'debootstrap.log'), 'utf8') : '';
            const { stdout = '', stderr = '' } = err;
            const text = `${err.message}\n${stdout}\n${stderr}\n${log}`;
            if (/Failed getting release file|Could not resolve|unable to connect|Network is unreachable|Temporary failure/i.test(text)) {
                return { ok: false, reason: `the Debian archive ${mirror} is unreachable` };
            }
            throw err;
        }
        const partial = `${tar}.partial`;
        await run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--format=posix', '-C', root, '-cf', partial, '.'], {
            maxBuffer: 64 << 20,
        });
        renameSync(partial, tar);
        return { ok: true, tar, size: statSync(tar).size };
    }
    finally {
        rmSync(root, { recursive: true, force: true });
        rmSync(lock, { recursive: true, force: true });
    }
}
//# sourceMappingURL=debian.js.map