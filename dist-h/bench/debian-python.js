/**
 * The "Debian minbase + python3" image of bench:start, as two gzip layer files cached beside the
 * minbase tar of test/harness/debian.ts (only the first run on a machine builds them):
 *
 *   - debian-bookworm-minbase-slim.tar.gz: the cached minbase tar without the .deb files
 *     debootstrap leaves in /var/cache/apt/archives and without the apt lists (as Debian's
 *     official images are), gzipped;
 *   - debian-bookworm-python3-layer.tar.gz: what `apt-get install python3` changes in a chroot
 *     of that slim minbase (then `apt-get clean` and the apt lists removed, as image builds do): every
 *     path whose inode changed after extraction (ctime), plus an OCI whiteout for every path
 *     removed, like a container build's layer diff.
 *
 * Building needs the Debian archive (DARNER_DEBIAN_MIRROR) and root (chroot, mount).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DEBIAN_CACHE_DIR, DEBIAN_MIRROR, debianMinbaseTar } from '../test/harness/debian.js';
const run = promisify(execFile);
const BIG = { maxBuffer: 256 << 20, timeout: 30 * 60_000 };
const MINBASE_GZ = 'debian-bookworm-minbase-slim.tar.gz';
const PYTHON_GZ = 'debian-bookworm-python3-layer.tar.gz';
export async function debianPythonLayers() {
    const minbase = await debianMinbaseTar();
    if (!minbase.ok)
        throw new Error(`no Debian minbase: ${minbase.reason}`);
    const minbaseGz = join(DEBIAN_CACHE_DIR, MINBASE_GZ);
    const pythonGz = join(DEBIAN_CACHE_DIR, PYTHON_GZ);
    if (!existsSync(minbaseGz) || !existsSync(pythonGz)) {
        const slim = join(DEBIAN_CACHE_DIR, `minbase-slim-${process.pid}.tar`);
        try {
            await run('cp', [minbase.tar, slim]);
            await run('tar', ['--delete', '--wildcards', '-f', slim, './var/cache/apt/archives/*.deb', './var/lib/apt/lists/deb.*'], BIG);
            if (!existsSync(minbaseGz))
                await gzipTo(slim, minbaseGz);
            if (!existsSync(pythonGz))
                await buildPythonLayer(slim, pythonGz);
        }
        finally {
            rmSync(slim, { force: true });
        }
    }
    return { layers: [minbaseGz, pythonGz] };
}
async function gzipTo(source, target) {
    const partial = `${target}.${process.pid}.partial`;
    await run('sh', ['-c', 'gzip -6 -n -c "$1" > "$2"', 'sh', source, partial], BIG);
    renameSync(partial, target);
}
/** Every path under `root` (relative, without a leading ./), NUL-separated by find. */
async function listTree(root) {
    const { stdout } = await run('find', ['.', '-mindepth', '1', '-print0'], { ...BIG, cwd: root });
    return new Set(stdout.split('\0').filter(Boolean).map((p) => p.replace(/^\.\//, '')));
}
async function buildPythonLayer(minbaseTar, target) {
    const work = join(DEBIAN_CACHE_DIR, `python-build-${process.pid}`);
    const root = join(work, 'root');
    mkdirSync(root, { recursive: true });
    let procMounted = false;
    try {
        await run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-p', '-xf', minbaseTar, '-C', root], BIG);
        const before = await listTree(root);
        const marker = join(work, 'marker');
        writeFileSync(marker, '');
        // Name resolution inside the chroot; the original file comes back before the diff.
        const resolv = join(root, 'etc', 'resolv.conf');
        const originalResolv = existsSync(resolv) ? readFileSync(resolv) : undefined;
        writeFileSync(resolv, readFileSync('/etc/resolv.conf'));
        await run('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
        procMounted = true;
        const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
        writeFileSync(join(root, 'etc', 'apt', 'sources.list'), `deb ${DEBIAN_MIRROR} bookworm main\n`);
        await run('chroot', [root, 'apt-get', 'update'], { ...BIG, env });
        await run('chroot', [root, 'apt-get', 'install', '-y', '--no-install-recommends', 'python3'], { ...BIG, env });
        await run('chroot', [root, 'apt-get', 'clean'], { ...BIG, env });
        await run('umount', [join(root, 'proc')]);
        procMounted = false;
        await run('sh', ['-c', 'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/debconf/*-old "$1"/var/log/apt/eipp.log.xz', 'sh', root]);
        if (originalResolv === undefined)
            rmSync(resolv, { force: true });
        else
            writeFileSync(resolv, originalResolv);
        // Changed or new paths: inode changed after the marker was written.
        const { stdout } = await run('find', ['.', '-mindepth', '1', '-cnewer', marker, '-print0'], { ...BIG, cwd: root });
        const changed = stdout.split('\0').filter(Boolean).sort();
        const after = await listTree(root);
        // Removed paths, only the topmost of each removed subtree.
        const removed = new Set([...before].filter((p) => !after.has(p)));
        const whiteouts = [...removed].filter((p) => !removed.has(dirname(p))).sort();
        const list = join(work, 'changed');
        writeFileSync(list, `${changed.join('\0')}\0`);
        const tar = join(work, 'layer.tar');
        await run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--format=posix', '--no-recursion', '-C', root, '--null', '-T', list, '-cf', tar], BIG);
        if (whiteouts.length > 0) {
            const stage = join(work, 'whiteouts');
            const names = whiteouts.map((p) => join(dirname(p), `.wh.${p.slice(dirname(p).length + 1)}`).replace(/^\.\//, ''));
            for (const name of names) {
                mkdirSync(join(stage, dirname(name)), { recursive: true });
                writeFileSync(join(stage, name), '');
            }
            writeFileSync(list, `${names.join('\0')}\0`);
            await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '--format=posix', '--no-recursion', '-C', stage, '--null', '-T', list, '-rf', tar], BIG);
        }
        await gzipTo(tar, target);
        process.stderr.write(`debian-python: layer of ${changed.length} paths and ${whiteouts.length} whiteouts, ${statSync(target).size} bytes gzipped\n`);
    }
    finally {
        if (procMounted)
            await run('umount', ['-l', join(root, 'proc')]).catch(() => undefined);
        rmSync(work, { recursive: true, force: true });
    }
}
//# sourceMappingURL=debian-python.js.map