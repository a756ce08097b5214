/**
 * Starting a daemon in the background when none answers, for `darner mount` and the snapshotter
 * ("starts the daemon if none is running"): `darner daemon --socket S ...` detached from the
 * caller, its logs appended to a file, the caller waiting until its API answers.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonUnavailableError } from '../errors.js';
import { spawnDetached } from '../util/detached.js';
import { DaemonClient, waitForDaemon } from './client.js';
/** The `darner` entry point of this installation. */
const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
function tail(file, bytes = 4000) {
    try {
        const text = readFileSync(file, 'utf8');
        return text.slice(-bytes);
    }
    catch {
        return '';
    }
}
/**
 * The one line that says why a daemon stopped: its own last `darner: ...` line (without the
 * prefix and the code, which the caller's line carries), else the last line of its log.
 */
export function lastWords(logTail) {
    const lines = logTail.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const own = lines.filter((l) => l.startsWith('darner: ')).pop();
    if (own !== undefined)
        return own.slice('darner: '.length);
    return lines.pop() ?? 'its log is empty';
}
/** The status of the daemon on `socket`, starting one in the background if none answers. */
export async function ensureDaemon(options) {
    const client = new DaemonClient(options.socket, { timeoutMs: 10_000 });
    try {
        return { status: await client.status(), started: false };
    }
    catch (err) {
        if (!(err instanceof DaemonUnavailableError))
            throw err;
    }
    finally {
        await client.close();
    }
    const logFile = options.logFile ?? join(dirname(options.socket), 'daemon.log');
    mkdirSync(dirname(options.socket), { recursive: true });
    const child = spawnDetached(process.execPath, [CLI_MAIN, 'daemon', '--socket', options.socket, ...(options.args ?? [])], {
        logFile,
        ...(options.env !== undefined ? { env: options.env } : {}),
    });
    const pid = child.pid;
    try {
        const status = await waitForDaemon(options.socket, options.timeoutMs ?? 60_000, () => child.exitReason() === undefined);
        return { status, started: true, logFile, ...(pid !== undefined ? { pid } : {}) };
    }
    catch (err) {
        throw new DaemonUnavailableError(`${err.message}: ${lastWords(tail(logFile))} (its log: ${logFile})`, { cause: err });
    }
}
//# sourceMappingURL=spawn.js.map