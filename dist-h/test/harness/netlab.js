/**
 * The bookkeeping under test/harness/network.ts: unique names, subnet leases, command runners
 * for the root namespace and for named namespaces, and the cleanup that always runs.
 *
 * Every object the network harness builds (a shaped host, a switch, a scratch filesystem) is a
 * `Lab`: it registers each namespace, root-namespace link, mount and file before creating it,
 * and `Lab.destroy()` removes them in reverse order. Leftovers are found three ways:
 *   - in this process: `process.on('exit')` and SIGINT/SIGTERM/SIGHUP destroy every live lab
 *     synchronously;
 *   - after a crash (SIGKILL, OOM): every name carries the creating pid — namespaces are
 *     `darnet-<pid>-<seq>-<role>`, root links `dn<pid36>-<seq36><role>`, scratch mounts
 *     `darner-scratch-<pid>-<seq>` — and `cleanupStale()` (run before the first lab of a process)
 *     removes those whose pid is dead;
 *   - subnet leases are files `<STATE_DIR>/subnet-10.A.B` holding the pid; a dead pid frees it.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
const execFileAsync = promisify(execFile);
/** Where subnet leases live (tmpfs: a reboot forgets them together with the namespaces). */
export const STATE_DIR = '/run/darner-net';
export const NS_PREFIX = 'darnet-';
export const LINK_PREFIX = 'dn';
export const SCRATCH_PREFIX = 'darner-scratch-';
/** Runs a command in the root namespace; rejects with its stderr on a non-zero exit. */
export async function run(cmd, args, options = {}) {
    try {
        const { stdout, stderr } = await execFileAsync(cmd, args, {
            timeout: options.timeoutMs ?? 60_000,
            maxBuffer: 64 << 20,
            env: options.env ?? process.env,
            cwd: options.cwd,
            encoding: 'utf8',
        });
        return { stdout, stderr };
    }
    catch (err) {
        const e = err;
        throw new Error(`${cmd} ${args.join(' ')} failed (${String(e.code)}): ${(e.stderr ?? e.message).trim()}`, { cause: err });
    }
}
/** The same, synchronously and ignoring failure: for cleanup in exit handlers. */
export function runQuietSync(cmd, args) {
    try {
        return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000, encoding: 'utf8' });
    }
    catch {
        return '';
    }
}
/**
 * The command line that runs `cmd` inside network namespace `ns`. nsenter switches only the
 * network namespace, unlike `ip netns exec`, which also makes a private mount namespace: a FUSE
 * filesystem mounted by a daemon started this way is visible to every process on the machine.
 */
export function inNamespace(ns, cmd, args) {
    return ['nsenter', [`--net=/run/netns/${ns}`, '--', cmd, ...args]];
}
/** Runs a command inside network namespace `ns` (same mounts, private network). */
export function runIn(ns, cmd, args, options = {}) {
    const [c, a] = inNamespace(ns, cmd, args);
    return run(c, a, options);
}
// ---------------------------------------------------------------------------------------------
// Names
let sequence = 0;
/** A fresh id for one lab of this process: `<pid>-<seq>`, with the short form for link names. */
export function nextLabId() {
    const seq = sequence++;
    const pid36 = process.pid.toString(36);
    const seq36 = seq.toString(36);
    return {
        ns: (role) => `${NS_PREFIX}${process.pid}-${seq}-${role}`,
        link: (role) => {
            const name = `${LINK_PREFIX}${pid36}-${seq36}${role}`;
            if (name.length > 15)
                throw new Error(`link name ${name} is longer than 15 characters`);
            return name;
        },
        file: `${process.pid}-${seq}`,
    };
}
/** The creating pid encoded in a harness name, or undefined for names that are not ours. */
export function pidOfName(name) {
    let m = /^darnet-(\d+)-\d+-/.exec(name);
    if (m)
        return Number(m[1]);
    m = /^dn([0-9a-z]+)-[0-9a-z]+[a-z]/.exec(name);
    if (m)
        return parseInt(m[1], 36);
    m = /^darner-scratch-(\d+)-\d+/.exec(name);
    if (m)
        return Number(m[1]);
    return undefined;
}
export function pidAlive(pid) {
    if (pid === process.pid)
        return true;
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (err) {
        return err.code === 'EPERM';
    }
}
// ---------------------------------------------------------------------------------------------
// Subnet leases: 10.A.B.0/24 with A in 200..249, unique among running harness processes and
// absent from the root namespace's addresses and routes.
/** Parses `ip -o -4 addr` / `ip -4 route` output into the 10.A.B prefixes it mentions. */
export function usedPrefixes(text) {
    const used = new Set();
    for (const m of text.matchAll(/\b10\.(\d+)\.(\d+)\.\d+/g))
        used.add(`10.${m[1]}.${m[2]}`);
    return used;
}
export function leaseSubnet() {
    mkdirSync(STATE_DIR, { recursive: true });
    const used = usedPrefixes(runQuietSync('ip', ['-o', '-4', 'addr']) + runQuietSync('ip', ['-4', 'route']));
    for (let attempt = 0; attempt < 200; attempt++) {
        const prefix = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
        if (used.has(prefix))
            continue;
        const file = join(STATE_DIR, `subnet-${prefix}`);
        try {
            const fd = openSync(file, 'wx');
            writeSync(fd, `${process.pid}\n`);
            closeSync(fd);
            return prefix;
        }
        catch (err) {
            if (err.code !== 'EEXIST')
                throw err;
            const owner = Number(readFileSync(file, 'utf8').trim());
            if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner))
                rmSync(file, { force: true });
        }
    }
    throw new Error('no free 10.x.y.0/24 subnet for the network harness');
}
export function releaseSubnet(prefix) {
    rmSync(join(STATE_DIR, `subnet-${prefix}`), { force: true });
}
const live = new Set();
export class Lab {
    undo = [];
    children = new Set();
    destroying;
    constructor() {
        installExitHandlers();
        cleanupStaleOnce();
        live.add(this);
    }
    /** Registers an undo step (run in reverse order by destroy, also from exit handlers). */
    onDestroy(what, sync, async) {
        this.undo.push(async === undefined ? { what, sync } : { what, sync, async });
    }
    /** A namespace: registered first, then created; destroy kills its processes, then deletes it. */
    async addNamespace(name) {
        this.onDestroy(`namespace ${name}`, () => deleteNamespaceSync(name));
        await run('ip', ['netns', 'add', name]);
        await runIn(name, 'ip', ['link', 'set', 'lo', 'up']);
    }
    /** A link in the root namespace (a bridge, the root end of a veth pair). */
    addRootLink(name) {
        this.onDestroy(`link ${name}`, () => void runQuietSync('ip', ['link', 'del', name]));
    }
    /** Starts a long-running process in `ns` (or the root namespace); destroy kills it. */
    spawn(ns, cmd, args, options = {}) {
        const [c, a] = ns === undefined ? [cmd, args] : inNamespace(ns, cmd, args);
        const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
        // Flowing mode: output nobody listens to is dropped instead of filling the pipe and
        // blocking the process (listeners added right after spawn still get everything).
        child.stdout?.resume();
        child.stderr?.resume();
        this.children.add(child);
        child.once('exit', () => this.children.delete(child));
        child.once('error', () => this.children.delete(child));
        return child;
    }
    /** Removes everything, newest first. Safe to call twice and concurrently. */
    destroy() {
        this.destroying ??= (async () => {
            await this.killChildren();
            for (const step of this.undo.reverse()) {
                try {
                    if (step.async)
                        await step.async();
                    else
                        step.sync();
                }
                catch {
                    // best effort: one failed step must not keep the others from running
                }
            }
            this.undo = [];
            live.delete(this);
        })();
        return this.destroying;
    }
    destroySync() {
        for (const child of this.children)
            child.kill('SIGKILL');
        for (const step of this.undo.reverse()) {
            try {
                step.sync();
            }
            catch {
                // best effort
            }
        }
        this.undo = [];
        live.delete(this);
    }
    async killChildren() {
        const waits = [...this.children].map((child) => new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null)
                return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
                clearTimeout(timer);
                resolve();
            });
            child.kill('SIGTERM');
        }));
        await Promise.all(waits);
    }
}
/** Kills every process still inside `ns`, then deletes it (its veth ends go with it). */
export function deleteNamespaceSync(name) {
    for (let round = 0; round < 3; round++) {
        const pids = runQuietSync('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean);
        if (pids.length === 0)
            break;
        for (const pid of pids) {
            try {
                process.kill(Number(pid), 'SIGKILL');
            }
            catch {
                // already gone
            }
        }
        // Give the kernel a moment to reap them; the namespace dies with its last process.
        runQuietSync('sleep', ['0.05']);
    }
    runQuietSync('ip', ['netns', 'del', name]);
}
// ---------------------------------------------------------------------------------------------
// Exit handlers and stale cleanup
let handlersInstalled = false;
function installExitHandlers() {
    if (handlersInstalled)
        return;
    handlersInstalled = true;
    process.on('exit', destroyAllSync);
    for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
        process.on(signal, () => {
            destroyAllSync();
            // Exit as the signal would have, unless the program handles the signal itself.
            if (process.listenerCount(signal) <= 1)
                process.exit(128 + number);
        });
    }
}
/** Destroys every lab of this process, synchronously (exit handlers cannot wait). */
export function destroyAllSync() {
    for (const lab of [...live])
        lab.destroySync();
}
let staleCleaned = false;
function cleanupStaleOnce() {
    if (staleCleaned)
        return;
    staleCleaned = true;
    cleanupStale();
}
/**
 * Removes what crashed harness processes left behind: namespaces, root links, scratch mounts and
 * images, and subnet leases whose creating pid is dead. Best effort; never touches live ones.
 */
export function cleanupStale() {
    const removed = [];
    const stale = (name) => {
        const pid = pidOfName(name);
        return pid !== undefined && !pidAlive(pid);
    };
    for (const line of runQuietSync('ip', ['netns', 'list']).split('\n')) {
        const name = line.split(' ')[0] ?? '';
        if (name.startsWith(NS_PREFIX) && stale(name)) {
            deleteNamespaceSync(name);
            removed.push(`namespace ${name}`);
        }
    }
    for (const line of runQuietSync('ip', ['-o', 'link', 'show']).split('\n')) {
        const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '';
        if (name.startsWith(LINK_PREFIX) && stale(name)) {
            runQuietSync('ip', ['link', 'del', name]);
            removed.push(`link ${name}`);
        }
    }
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
        const mountPoint = line.split(' ')[4] ?? '';
        const base = mountPoint.split('/').pop() ?? '';
        if (base.startsWith(SCRATCH_PREFIX) && stale(base)) {
            runQuietSync('umount', ['-l', mountPoint]);
            rmSync(mountPoint, { recursive: true, force: true });
            rmSync(`${mountPoint}.img`, { force: true });
            removed.push(`mount ${mountPoint}`);
        }
    }
    try {
        for (const name of readdirSync(tmpdir())) {
            if (name.startsWith(SCRATCH_PREFIX) && name.endsWith('.img') && stale(name)) {
                rmSync(join(tmpdir(), name), { force: true });
                removed.push(`file ${name}`);
            }
        }
    }
    catch {
        // no tmpdir listing: nothing to clean there
    }
    try {
        for (const name of readdirSync(STATE_DIR)) {
            if (!name.startsWith('subnet-'))
                continue;
            const owner = Number(readFileSync(join(STATE_DIR, name), 'utf8').trim());
            if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
                rmSync(join(STATE_DIR, name), { force: true });
                removed.push(`lease ${name}`);
            }
        }
    }
    catch {
        // no state directory yet
    }
    return removed;
}
//# sourceMappingURL=netlab.js.map