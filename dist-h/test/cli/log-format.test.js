/**
 * Log lines as text for a person or JSON for a collector: --log-format and DARNER_LOG_FORMAT pick
 * one; with neither, stderr that is not a terminal gets JSON; text lines carry level names.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatLogLine, parseLogFormat, defaultLogFormat } from '../../src/log-format.js';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
test('formatLogLine: time, level name, message, then the fields as key=value', (t) => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 7, hostname: 'h', registry: 'r:5000', what: 'manifest GET', attempt: 2, nested: { a: 1 }, msg: 'retrying' });
    t.is(formatLogLine(`${line}\n`), '2026-01-02T03:04:05.006Z WARN  retrying registry=r:5000 what="manifest GET" attempt=2 nested="{\\"a\\":1}"\n');
    t.is(formatLogLine(JSON.stringify({ level: 30, time: 0, msg: 'x' })), '1970-01-01T00:00:00.000Z INFO  x\n');
    t.is(formatLogLine(JSON.stringify({ level: 60, msg: 'down' })), 'FATAL down\n');
    t.is(formatLogLine('not json'), 'not json\n');
    t.is(parseLogFormat(' TEXT '), 'text');
    t.is(parseLogFormat('xml'), undefined);
    t.is(defaultLogFormat(true), 'text');
    t.is(defaultLogFormat(false), 'json');
});
/** The stderr of a scheduler started with `args`/`env` and stopped once it listens. */
async function schedulerStderr(args, env) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, DARNER_LOG_LEVEL: 'info' } });
    let stderr = '';
    child.stderr.on('data', (d) => {
        stderr += d.toString();
    });
    let stdout = '';
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await new Promise((resolve, reject) => {
        child.stdout.on('data', (d) => {
            stdout += d.toString();
            if (stdout.includes('scheduler listening on'))
                resolve();
        });
        void exited.then(() => reject(new Error(`scheduler exited: ${stderr}`)));
    });
    child.kill('SIGTERM');
    await exited;
    return stderr;
}
test('darner --log-format text, DARNER_LOG_FORMAT=text, and JSON by default when stderr is a pipe', async (t) => {
    const env = { ...process.env };
    delete env.DARNER_LOG_FORMAT;
    const listen = ['scheduler', '--listen', '127.0.0.1:0'];
    const text = /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}scheduler listening address=127\.0\.0\.1:\d+ store=memory /m;
    const flag = await schedulerStderr([...listen, '--log-format', 'text'], env);
    t.regex(flag, text);
    t.notRegex(flag, /^\{/m);
    t.regex(await schedulerStderr(listen, { ...env, DARNER_LOG_FORMAT: 'text' }), text);
    const piped = await schedulerStderr(listen, env);
    const lines = piped.trim().split('\n');
    t.true(lines.length >= 1);
    for (const l of lines)
        t.is(typeof JSON.parse(l).level, 'number');
    // The flag wins over the environment.
    const json = await schedulerStderr([...listen, '--log-format', 'json'], { ...env, DARNER_LOG_FORMAT: 'text' });
    t.is(JSON.parse(json.split('\n')[0]).msg, 'scheduler listening');
});
//# sourceMappingURL=log-format.test.js.map