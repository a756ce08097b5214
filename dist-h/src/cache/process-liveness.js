/**
 * Whether the process that wrote a lock still owns it, from /proc: a process that is gone, a
 * zombie (dead, its parent has not reaped it yet), exiting, or with a SIGKILL pending no longer
 * holds anything; a pid now naming another process (a start time other than the one recorded)
 * neither. `kill(pid, 0)` alone answers "alive" for all of these.
 */
import { readFile } from 'node:fs/promises';
/** PF_EXITING (include/linux/sched.h): the process is in do_exit. */
const PF_EXITING = 0x4;
/** SIGKILL's bit in the SigPnd / ShdPnd masks of /proc/PID/status. */
const SIGKILL_BIT = 1n << 8n;
/** Fields of /proc/PID/stat; undefined when the text is not one. */
export function parseProcStat(text) {
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
    const close = text.lastIndexOf(')');
    if (close < 0)
        return undefined;
    const fields = text.slice(close + 2).trim().split(' ');
    const [state, flags, startTime] = [fields[0], fields[6], fields[19]];
    if (state === undefined || !/^[A-Za-z]$/.test(state) || flags === undefined || !/^\d+$/.test(flags) || startTime === undefined || !/^\d+$/.test(startTime))
        return undefined;
    return { state, flags: Number(flags), startTime };
}
/** True when /proc/PID/status shows a SIGKILL pending (the process is about to die). */
export function sigkillPending(statusText) {
    for (const line of statusText.split('\n')) {
        const m = /^(SigPnd|ShdPnd):\s*([0-9a-fA-F]+)$/.exec(line.trim());
        if (m !== null && (BigInt(`0x${m[2]}`) & SIGKILL_BIT) !== 0n)
            return true;
    }
    return false;
}
/** The start time of `pid` (for a lock to record), or undefined without /proc. */
export async function startTimeOf(pid) {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : parseProcStat(text)?.startTime;
}
/** Whether process `pid` exists at all (signal 0), exiting and unreaped ones included. */
export function signalZero(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (err) {
        // EPERM: it exists but belongs to someone else.
        return err.code === 'EPERM';
    }
}
/** True while process `pid` (started at `startTime`, when known) runs and is not dying. */
export async function processAlive(pid, startTime) {
    let text;
    try {
        text = await readFile(`/proc/${pid}/stat`, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT' || err.code === 'ESRCH')
            return false;
        return signalZero(pid); // no /proc to ask
    }
    const stat = parseProcStat(text);
    if (stat === undefined)
        return signalZero(pid);
    if (stat.state === 'Z' || stat.state === 'X' || (stat.flags & PF_EXITING) !== 0)
        return false;
    if (startTime !== undefined && stat.startTime !== startTime)
        return false;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    return !sigkillPending(status);
}
//# sourceMappingURL=process-liveness.js.map