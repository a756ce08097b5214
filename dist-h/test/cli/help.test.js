/**
 * Every verb's --help ends with examples and shows defaults one way; the flag names that were
 * renamed (one name per concept) still parse as hidden aliases.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildProgram } from '../../src/cli/program.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Every verb path under `command` (`['cache', 'ls']`, ...), groups included, `help` left out. */
function verbs(command, prefix = []) {
    return command.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...verbs(c, [...prefix, c.name()])]);
}
async function failure(args, cwd) {
    try {
        await run(process.execPath, [CLI, ...args], { timeout: 60_000, ...(cwd !== undefined ? { cwd } : {}) });
    }
    catch (err) {
        return err;
    }
    throw new Error(`darner ${args.join(' ')} succeeded`);
}
test('every verb\'s --help has an example of itself, defaults as "(default: ...)", and no hidden alias', async (t) => {
    const all = verbs(buildProgram());
    t.true(all.length >= 15, all.map((v) => v.join(' ')).join(', '));
    for (const verb of all) {
        const { stdout } = await run(process.execPath, [CLI, ...verb, '--help']);
        const examples = stdout.split('\nExamples:\n')[1];
        t.truthy(examples, `darner ${verb.join(' ')} --help has no Examples`);
        t.regex(examples ?? '', new RegExp(`^ {2}darner ${verb.join(' ')}( |$)`, 'm'), `darner ${verb.join(' ')}`);
        t.notRegex(stdout, /\(default [^:]/, `darner ${verb.join(' ')}: a default not written "(default: ...)"`);
        t.notRegex(stdout, /--daemon <socket>|--address <socket>.*listen|-u, --user/, `darner ${verb.join(' ')} shows an old flag name`);
    }
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    t.regex(stdout, /DARNER_LOG_LEVEL/);
    t.regex(stdout, /--log-format <format>/);
});
test('the old flag names still parse: --daemon, snapshotter --address, pull -u/--user', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-help-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const socket = join(dir, 'none.sock');
    for (const verb of [['status'], ['umount', 'm-0000000000000000']]) {
        const f = await failure([...verb, '--daemon', socket]);
        t.is(f.code, 1, f.stderr);
        t.is(f.stderr, `darner: no darner daemon answers on ${socket} (ENOENT) [DAEMON_UNAVAILABLE]\n`);
    }
    const mount = await failure(['mount', '--daemon', socket, '--daemon-config', join(dir, 'missing.toml'), 'r/a:b', join(dir, 'mnt')]);
    t.regex(mount.stderr, /^darner: --daemon-config: [^\n]*\[BAD_CONFIG\]\n$/);
    // With no daemon answering, `cache ls` reads only a cache directory that exists.
    await mkdir(join(dir, 'cache'));
    const listing = await run(process.execPath, [CLI, 'cache', 'ls', '--daemon', socket, '--cache', join(dir, 'cache'), '--json']);
    t.is(JSON.parse(listing.stdout).blobs.length, 0);
    for (const flag of ['-u', '--user', '--creds']) {
        const f = await failure(['pull', flag, 'no-password', 'registry.example.com/app:1']);
        t.is(f.stderr, 'darner: --creds must be USER:PASSWORD [USAGE]\n', flag);
    }
    for (const flag of ['--address', '--socket']) {
        const f = await failure(['snapshotter', flag, '']);
        t.is(f.stderr, 'darner: --socket must be a non-empty string [BAD_CONFIG]\n', flag);
    }
});
//# sourceMappingURL=help.test.js.map