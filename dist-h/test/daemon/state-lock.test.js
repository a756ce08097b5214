/**
 * One daemon per state directory: a second `darner daemon` on the state directory of a running
 * one (its own socket and cache) is refused in one line naming the directory and the holder's
 * pid, exits non-zero and creates nothing of its own; the first keeps serving. The lock module
 * lets a successor wait for the holder to let go.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { acquireStateLock } from '../../src/daemon/state-lock.js';
import { StateLockedError } from '../../src/errors.js';
import { startDaemonProcess } from '../harness/daemon.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const exists = (path) => access(path).then(() => true, () => false);
test('a second daemon on the same state directory is refused in one line naming it and the holder', async (t) => {
    const first = await startDaemonProcess();
    t.teardown(() => first.cleanup());
    const lockText = await readFile(join(first.stateDir, 'lock'), 'utf8');
    t.regex(lockText, new RegExp(`^${first.pid} \\d+\\n$`));
    const otherSocket = join(first.dir, 'second.sock');
    const otherCache = join(first.dir, 'second-cache');
    const second = await run(process.execPath, [CLI, 'daemon', '--socket', otherSocket, '--cache', otherCache, '--state', first.stateDir], {
        env: { ...process.env, DARNER_LOG_LEVEL: 'warn' },
        timeout: 60_000,
    }).then(() => ({ code: 0, stderr: '' }), (err) => ({ code: err.code, stderr: err.stderr }));
    t.is(second.code, 1);
    const lines = second.stderr.trimEnd().split('\n');
    t.is(lines.length, 1, second.stderr);
    t.true(lines[0].includes(first.stateDir), lines[0]);
    t.true(lines[0].includes(`pid ${first.pid}`), lines[0]);
    t.true(lines[0].includes('STATE_LOCKED'), lines[0]);
    t.false(await exists(otherCache), 'the refused daemon created no cache');
    t.false(await exists(otherSocket), 'nor a socket');
    // The first one is untouched: it answers, and still holds its lock.
    t.is((await first.client.status()).pid, first.pid);
    t.is(await readFile(join(first.stateDir, 'lock'), 'utf8'), lockText);
    await first.stop();
    t.false(await exists(join(first.stateDir, 'lock')), 'released on a clean exit');
});
test('acquireStateLock refuses a held lock at once, or waits for its release with waitMs', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-state-lock-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const held = await acquireStateLock(dir);
    const refused = await t.throwsAsync(acquireStateLock(dir), { instanceOf: StateLockedError });
    t.is(refused?.pid, process.pid);
    t.true(refused?.message.includes(dir));
    let settled = false;
    const waiting = acquireStateLock(dir, { waitMs: 60_000, pollMs: 20 }).finally(() => {
        settled = true;
    });
    // Several polls later it still waits: the holder has not let go.
    for (let i = 0; i < 5; i++)
        await new Promise((r) => setTimeout(r, 25));
    t.false(settled);
    await held.release();
    const next = await waiting;
    t.is((await readFile(join(dir, 'lock'), 'utf8')).split(' ')[0], String(process.pid));
    await next.release();
    t.false(await exists(join(dir, 'lock')));
});
//# sourceMappingURL=state-lock.test.js.map