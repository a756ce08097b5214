/**
 * The errors a user meets first end in one line with a stable code and a non-zero exit: usage
 * errors (no help dump), a pull from a registry that does not answer, a busy scheduler port, a
 * missing --daemon-config (and no daemon.log left in the current directory), a gRPC peer that
 * does not answer (no empty "Resolution note:"), and paths that cannot be used (the flag named,
 * not the raw errno text).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../harness/registry.js';
import { startPullEnv } from '../pull/env.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Runs darner expecting failure; its exit code and output. */
async function fails(t, args, options = {}) {
    const env = { ...process.env };
    delete env.DARNER_LOG_LEVEL;
    const err = await t.throwsAsync(run(process.execPath, [CLI, ...args], { env, timeout: 120_000, ...options }));
    return err;
}
async function tempDir(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-errors-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
test('usage errors are one line naming the verb\'s --help, exit 2', async (t) => {
    const cases = [
        [['convert', '--bogus', 'a', 'b'], /^darner: unknown option '--bogus' \[USAGE\] \(see 'darner convert --help'\)\n$/],
        [['cache', 'ls', '--nope'], /^darner: unknown option '--nope' \[USAGE\] \(see 'darner cache ls --help'\)\n$/],
        [['mount'], /^darner: missing required argument 'reference' \[USAGE\] \(see 'darner mount --help'\)\n$/],
        [['frobnicate'], /^darner: unknown command 'frobnicate' \[USAGE\] \(see 'darner --help'\)\n$/],
    ];
    for (const [args, expected] of cases) {
        const f = await fails(t, args);
        t.is(f.code, 2, args.join(' '));
        t.regex(f.stderr, expected);
        t.is(f.stdout, '');
    }
});
test('darner pull from a registry that does not answer: one line, no retry log lines', async (t) => {
    const env = await startPullEnv(t);
    const port = await freePort();
    const f = await fails(t, ['pull', '--address', env.ctd.address, '--local', `127.0.0.1:${port}/dead/image:1`]);
    t.is(f.code, 1);
    t.regex(f.stderr, new RegExp(`^darner: [^\\n]*127\\.0\\.0\\.1:${port}[^\\n]* \\[REGISTRY_[A-Z_]+\\]\\n$`));
});
test('darner scheduler on a busy --listen port: one line, exit 1', async (t) => {
    const busy = createServer();
    await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise((resolve) => busy.close(() => resolve())));
    const port = busy.address().port;
    const f = await fails(t, ['scheduler', '--listen', `127.0.0.1:${port}`]);
    t.is(f.code, 1);
    t.is(f.stderr, `darner: cannot listen on 127.0.0.1:${port}: the address is already in use [ADDRESS_IN_USE]\n`);
});
test('darner mount --daemon-config /nonexistent: one line naming the flag, nothing written in the current directory', async (t) => {
    const cwd = await tempDir(t);
    const f = await fails(t, ['mount', '--daemon', 'daemon.sock', '--daemon-config', '/nonexistent/daemon.toml', '127.0.0.1:1/app:darner', 'mnt'], { cwd });
    t.is(f.code, 1);
    t.is(f.stderr, 'darner: --daemon-config: cannot read /nonexistent/daemon.toml: no such file or directory [BAD_CONFIG]\n');
    t.deepEqual(await readdir(cwd), []);
});
test('gRPC peers that do not answer: one line without an empty "Resolution note:"', async (t) => {
    const dir = await tempDir(t);
    const port = await freePort();
    const scheduler = await fails(t, ['status', '--scheduler', `127.0.0.1:${port}`]);
    t.is(scheduler.code, 1);
    t.regex(scheduler.stderr, new RegExp(`^darner: scheduler 127\\.0\\.0\\.1:${port} Status: [^\\n]*ECONNREFUSED[^\\n]* \\[SCHEDULER_UNAVAILABLE\\]\\n$`));
    t.notRegex(scheduler.stderr, /Resolution note/);
    const containerd = await fails(t, ['pull', '--address', join(dir, 'containerd.sock'), '127.0.0.1:1/app:1']);
    t.is(containerd.code, 1);
    t.regex(containerd.stderr, /^darner: containerd [^\n]*ENOENT[^\n]* \[CONTAINERD_UNAVAILABLE\]\n$/);
    t.notRegex(containerd.stderr, /Resolution note/);
});
test('paths that cannot be used name the flag, not raw errno text', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory\n');
    const state = await fails(t, ['daemon', '--socket', join(dir, 'd.sock'), '--cache', join(dir, 'cache'), '--state', join(file, 'state')]);
    t.is(state.code, 1);
    t.is(state.stderr, `darner: state directory (--state, state_dir) ${join(file, 'state')}: not a directory [ENOTDIR]\n`);
    const socket = await fails(t, ['daemon', '--socket', join(file, 'd.sock'), '--cache', join(dir, 'cache'), '--state', join(dir, 'state')]);
    t.is(socket.code, 1);
    t.is(socket.stderr, `darner: control socket directory (--socket, socket) ${file}: a file that is not a directory is in the way [EEXIST]\n`);
    const patterns = await fails(t, ['convert', '--prefetch-patterns', join(dir, 'missing'), `oci:${dir}/in`, `oci:${dir}/out`]);
    t.is(patterns.code, 1);
    t.regex(patterns.stderr, new RegExp(`^darner: --prefetch-patterns ${join(dir, 'missing')}: [^\\n]*no such file[^\\n]*\\n$`));
});
//# sourceMappingURL=one-line-errors.test.js.map