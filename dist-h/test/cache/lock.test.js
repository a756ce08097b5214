/**
 * One process per cache directory, and a dead owner never keeps the next one out: not while it
 * is a zombie its parent has not reaped (what a restart right after a SIGKILL meets), nor once
 * its pid names another process. A cache directory that cannot be made fails at once with one
 * error (a path under /proc used to spin in mkdir).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openBlobCache } from '../../src/cache/index.js';
import { parseLockText } from '../../src/cache/dir-lock.js';
import { parseProcStat, processAlive, sigkillPending, startTimeOf } from '../../src/cache/process-liveness.js';
const HOLDER = fileURLToPath(new URL('./lock-holder.js', import.meta.url));
async function tempDir(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-cache-lock-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
async function procState(pid) {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : parseProcStat(text)?.state;
}
test('parsing /proc/PID/stat, /proc/PID/status and the lock', (t) => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 1 0 0 20 0 11 0 123456 1000 100';
    t.deepEqual(parseProcStat(stat), { state: 'S', flags: 4194560, startTime: '123456' });
    t.deepEqual(parseProcStat('7 (a) Z 1 7 7 0 -1 4228" 0'), undefined, 'a malformed line');
    t.is(parseProcStat('no parenthesis'), undefined);
    t.true(sigkillPending('Name:\tnode\nSigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n'));
    t.true(sigkillPending('ShdPnd:\t0000000000000100\n'));
    t.false(sigkillPending('SigPnd:\t0000000000000002\nShdPnd:\t0000000000004000\n'));
    t.deepEqual(parseLockText('123 456\n'), { pid: 123, startTime: '456' });
    t.deepEqual(parseLockText('123\n'), { pid: 123 });
    t.is(parseLockText('0\n'), undefined);
    t.is(parseLockText('12 ab\n'), undefined);
    t.is(parseLockText(''), undefined);
});
test('a live owner keeps the lock; one that is SIGKILLed and not reaped yet (a zombie) does not', async (t) => {
    const dir = await tempDir(t);
    // The holder runs in the background of a shell that then becomes `sleep`: nobody reaps it
    // when it dies, so it stays a zombie until the sleep ends.
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${HOLDER}" "${dir}" & exec sleep 600`], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => shell.kill('SIGKILL'));
    const pid = await new Promise((resolve, reject) => {
        shell.on('exit', (code) => reject(new Error(`the holder's shell exited (${code})`)));
        createInterface({ input: shell.stdout }).on('line', (line) => {
            const m = /^locked (\d+)$/.exec(line);
            if (m !== null)
                resolve(Number(m[1]));
        });
    });
    t.true(await processAlive(pid, await startTimeOf(pid)));
    await t.throwsAsync(openBlobCache({ dir }), { code: 'CACHE_LOCKED', message: new RegExp(`in use by process ${pid}`) });
    process.kill(pid, 'SIGKILL');
    while ((await procState(pid)) !== 'Z')
        await new Promise((r) => setTimeout(r, 10));
    t.false(await processAlive(pid), 'a zombie is not alive');
    const cache = await openBlobCache({ dir });
    t.is((await readFile(join(dir, 'lock'), 'utf8')).split(' ')[0], String(process.pid));
    await cache.close();
    t.is(await procState(pid), 'Z', 'the holder was still a zombie all along');
});
test("a lock naming a live pid with another start time (the pid was reused) is taken over; this process's own is not", async (t) => {
    const dir = await tempDir(t);
    const ours = await startTimeOf(process.pid);
    t.truthy(ours);
    // pid 1 is alive, but it did not start when this lock says.
    await writeFile(join(dir, 'lock'), `1 ${BigInt(ours) + 1n}\n`, { mode: 0o600 });
    const cache = await openBlobCache({ dir });
    await t.throwsAsync(openBlobCache({ dir }), { code: 'CACHE_LOCKED', message: new RegExp(`in use by process ${process.pid}`) });
    await cache.close();
});
test('a cache directory that cannot be made fails with one error', async (t) => {
    const dir = await tempDir(t);
    await t.throwsAsync(openBlobCache({ dir: '/proc/1/x' }), { code: 'CACHE_DIR', message: /cannot create the blob cache directory \/proc\/1\/x/ });
    await t.throwsAsync(openBlobCache({ dir: '/proc/1/x/y/z' }), { code: 'CACHE_DIR' });
    await writeFile(join(dir, 'file'), 'x');
    await t.throwsAsync(openBlobCache({ dir: join(dir, 'file', 'cache') }), { code: 'CACHE_DIR', message: /not a directory/ });
});
//# sourceMappingURL=lock.test.js.map