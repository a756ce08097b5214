/**
 * Starting a long-lived process detached from the caller (its own session, so the caller's
 * signals never reach it, and not waited for), its stdout and stderr appended to a file or
 * discarded. The caller then polls for it to answer, and asks `exitReason()` whether to stop.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
export function spawnDetached(command, args, options = {}) {
    let out = 'ignore';
    if (options.logFile !== undefined) {
        mkdirSync(dirname(options.logFile), { recursive: true });
        out = openSync(options.logFile, 'a');
    }
    let exit;
    try {
        const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: options.env ?? process.env });
        child.once('error', (err) => {
            exit = err.message;
        });
        child.once('exit', (code, signal) => {
            exit = `exited with ${code ?? signal}`;
        });
        child.unref();
        return { pid: child.pid, exitReason: () => exit };
    }
    finally {
        if (typeof out === 'number')
            closeSync(out);
    }
}
//# sourceMappingURL=detached.js.map