/**
 * The CLI verbs: `darner mount` starts a daemon in the background when none answers and says
 * where its log goes; `darner umount` by mount point and by id; `darner cache ls|gc` through
 * the daemon, and directly on the cache directory when no daemon runs.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DaemonClient } from '../../src/daemon/client.js';
import { unmountAllUnder } from '../harness/daemon.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
function darner(...args) {
    return run(process.execPath, [CLI, ...args], { env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } });
}
async function waitForExit(pid) {
    for (let i = 0; i < 300; i++) {
        try {
            process.kill(pid, 0);
        }
        catch {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}
test('darner mount starts a daemon; umount, cache ls and cache gc through it and without it', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'cli', [[{ type: 'file', path: 'greeting', data: 'hello from the cli test\n' }]]);
    const dir = await mkdtemp(join(tmpdir(), 'darner-cli-'));
    await chmod(dir, 0o755);
    const socket = join(dir, 'run', 'daemon.sock');
    const config = join(dir, 'daemon.toml');
    await writeFile(config, `cache_dir = "${join(dir, 'cache')}"\nstate_dir = "${join(dir, 'state')}"\n`);
    let pid;
    t.teardown(async () => {
        if (pid !== undefined) {
            try {
                process.kill(pid, 'SIGTERM');
            }
            catch {
                // gone
            }
            await waitForExit(pid);
        }
        await unmountAllUnder(dir);
        await rm(dir, { recursive: true, force: true });
    });
    const mnt = join(dir, 'mnt');
    const mounted = await darner('mount', '--daemon', socket, '--daemon-config', config, '--label', 'who=cli', image.darnerRef, mnt);
    const started = /started darner daemon \(pid (\d+)\) on (\S+); its log: (\S+)/.exec(mounted.stdout);
    t.truthy(started, mounted.stdout);
    pid = Number(started[1]);
    t.is(started[3], join(dir, 'run', 'daemon.log'));
    t.regex(mounted.stdout, new RegExp(`mounted ${image.darnerRef} at ${mnt} \\((m-[0-9a-f]{16})\\)`));
    t.is(await readFile(join(mnt, 'greeting'), 'utf8'), 'hello from the cli test\n');
    // A second mount uses the running daemon.
    const mnt2 = join(dir, 'mnt2');
    const second = await darner('mount', '--daemon', socket, image.darnerRef, mnt2);
    t.notRegex(second.stdout, /started darner daemon/);
    const id2 = /\((m-[0-9a-f]{16})\)/.exec(second.stdout)[1];
    t.regex((await darner('mount', '--daemon', socket, image.darnerRef, mnt2)).stdout, /^already mounted/);
    // Mount targets that would hide content, mount elsewhere than named, or invent a path: refused.
    const full = join(dir, 'full');
    await mkdir(full);
    await writeFile(join(full, 'kept'), 'kept\n');
    await t.throwsAsync(darner('mount', '--daemon', socket, image.darnerRef, full), {
        message: new RegExp(`darner: cannot mount at ${full}: the directory is not empty .* \\[BAD_MOUNT_TARGET\\]\n$`),
    });
    t.is(await readFile(join(full, 'kept'), 'utf8'), 'kept\n');
    await mkdir(join(dir, 'real', 'sub'), { recursive: true });
    await symlink(join(dir, 'real'), join(dir, 'link'));
    for (const through of [join(dir, 'link'), join(dir, 'link', 'sub'), join(dir, 'link', 'new')]) {
        await t.throwsAsync(darner('mount', '--daemon', socket, image.darnerRef, through), {
            message: new RegExp(`darner: cannot mount at ${through}: ${join(dir, 'link')} is a symbolic link \\[BAD_MOUNT_TARGET\\]\n$`),
        });
    }
    t.deepEqual(await readdir(join(dir, 'real')), ['sub']);
    const deeper = join(dir, 'missing', 'deeper', 'mnt');
    await t.throwsAsync(darner('mount', '--daemon', socket, image.darnerRef, deeper), {
        message: new RegExp(`darner: cannot mount at ${deeper}: ${join(dir, 'missing')} does not exist \\[BAD_MOUNT_TARGET\\]\n$`),
    });
    await t.throwsAsync(access(join(dir, 'missing')));
    // A mount id that names no mount (and no path) is looked up as an id.
    await t.throwsAsync(darner('umount', '--daemon', socket, 'm-doesnotexist'), { message: /darner: no mount m-doesnotexist \[NOT_FOUND\]\n$/ });
    const client = new DaemonClient(socket);
    t.teardown(() => client.close());
    t.deepEqual((await client.listMounts()).find((m) => m.mountpoint === mnt)?.labels, { who: 'cli' });
    const listing = JSON.parse((await darner('cache', 'ls', '--json', '--daemon', socket)).stdout);
    t.true(listing.blobs.length >= 1);
    t.true(listing.blobs.every((b) => b.referenced));
    const table = (await darner('cache', 'ls', '--daemon', socket)).stdout;
    t.regex(table, /^BLOB\s+SIZE\s+CACHED\s+ON DISK\s+CHUNKS\s+IN USE\s+LAST USED/);
    t.regex(table, /\d+ blobs, .* on disk \(limit 20 GiB\)/);
    t.regex((await darner('umount', '--daemon', socket, mnt)).stdout, /unmounted/);
    t.regex((await darner('umount', '--daemon', socket, id2)).stdout, /unmounted/);
    await t.throwsAsync(darner('umount', '--daemon', socket, mnt), { message: /darner: nothing is mounted .* \[NOT_FOUND\]/ });
    t.deepEqual(await client.listMounts(), []);
    t.true((await client.cacheList()).blobs.every((b) => !b.referenced));
    // Without a daemon: the cache directory directly.
    process.kill(pid, 'SIGTERM');
    await waitForExit(pid);
    pid = undefined;
    const direct = JSON.parse((await darner('cache', 'ls', '--json', '--daemon', socket, '--cache', join(dir, 'cache'))).stdout);
    t.deepEqual(direct.blobs.map((b) => b.id).sort(), listing.blobs.map((b) => b.id).sort());
    const gc = (await darner('cache', 'gc', '--daemon', socket, '--cache', join(dir, 'cache'))).stdout;
    t.regex(gc, new RegExp(`removed ${listing.blobs.length} blobs, freed`));
    const after = JSON.parse((await darner('cache', 'ls', '--json', '--daemon', socket, '--cache', join(dir, 'cache'))).stdout);
    t.deepEqual(after, { blobs: [], totalBytes: 0 });
    // Without a daemon, umount says so in one line.
    await t.throwsAsync(darner('umount', '--daemon', socket, mnt), { message: /darner: no darner daemon answers on .* \[DAEMON_UNAVAILABLE\]/ });
});
test('darner daemon refuses a bad configuration in one line', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-cli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, 'bad.toml');
    await writeFile(config, '[fetch]\nmax_concurrent = 0\n');
    const err = await t.throwsAsync(darner('daemon', '--socket', join(dir, 's.sock'), '--config', config));
    t.regex(err.stderr, /^darner: .*fetch\.max_concurrent must be an integer from 1 to 1024, got 0 \[BAD_CONFIG\]\n$/);
});
test('cache ls and gc with no daemon answering: one line, and no directory created that the user did not name', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-cli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const socket = join(dir, 'nobody.sock');
    const defaultCache = '/var/lib/darner/cache';
    const defaultExisted = await access(defaultCache).then(() => true, () => false);
    for (const verb of ['ls', 'gc']) {
        const err = (await t.throwsAsync(darner('cache', verb, '--daemon', socket)));
        t.is(err.code, 1, verb);
        t.regex(err.stderr, new RegExp(`^darner: no darner daemon answers on ${socket}; .*--cache DIR \\[DAEMON_UNAVAILABLE\\]\\n$`), verb);
        t.is(await access(defaultCache).then(() => true, () => false), defaultExisted, `cache ${verb} left the default directory as it was`);
        const missing = join(dir, 'no', 'cache');
        const named = (await t.throwsAsync(darner('cache', verb, '--daemon', socket, '--cache', missing)));
        t.is(named.code, 1, verb);
        t.regex(named.stderr, new RegExp(`^darner: the blob cache directory ${missing} does not exist \\[CACHE_DIR\\]\\n$`), verb);
        t.deepEqual(await readdir(dir), [], `cache ${verb} --cache MISSING created nothing`);
    }
    // A cache directory that exists is read as it is: listed without a lock file or blobs/ appearing.
    const existing = join(dir, 'cache');
    await mkdir(existing, { mode: 0o700 });
    t.deepEqual(JSON.parse((await darner('cache', 'ls', '--json', '--daemon', socket, '--cache', existing)).stdout), { blobs: [], totalBytes: 0 });
    t.deepEqual(await readdir(existing), []);
});
//# sourceMappingURL=cli.test.js.map