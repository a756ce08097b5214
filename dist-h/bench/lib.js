/**
 * Helpers shared by the benchmarks that drive real processes (bench:fs, bench:start): timed
 * commands, the page cache, medians, a teardown stack that also runs on signals, and the bytes a
 * shaped link has carried.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
export const MB = 1e6;
export const MiB = 1 << 20;
export function median(values) {
    if (values.length === 0)
        return NaN;
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
/** Writes dirty pages back and drops the kernel's page, dentry and inode caches (machine-wide). */
export async function dropCaches() {
    await runCommand('sync', []);
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}
/** Runs a command to completion; rejects with its stderr on a non-zero exit or after `timeoutMs`. */
export function runCommand(cmd, args, options = {}) {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let first = 0;
        child.stdout.on('data', (d) => {
            if (first === 0)
                first = performance.now();
            if (stdout.length < 1 << 20)
                stdout += d.toString();
        });
        child.stderr.on('data', (d) => {
            if (stderr.length < 1 << 20)
                stderr += d.toString();
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
        child.once('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.once('close', (code, signal) => {
            clearTimeout(timer);
            const end = performance.now();
            if (code !== 0) {
                reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim().slice(-2000)}`));
                return;
            }
            resolve({ stdout, stderr, seconds: (end - started) / 1000, firstOutput: ((first || end) - started) / 1000 });
        });
    });
}
/**
 * Cleanup steps run in reverse order of registration: by run() at the end (success or failure)
 * and on SIGINT/SIGTERM/SIGHUP, so that no mount, namespace, containerd or daemon outlives the
 * benchmark. The network harness registers its own handlers too; both are idempotent.
 */
export class Teardown {
    #steps = [];
    #running;
    add(what, fn) {
        this.#steps.push({ what, fn });
    }
    /** Runs and forgets the steps registered after `mark` (from mark()). */
    async unwindTo(mark) {
        while (this.#steps.length > mark) {
            const step = this.#steps.pop();
            try {
                await step.fn();
            }
            catch (err) {
                process.stderr.write(`teardown: ${step.what}: ${err.message}\n`);
            }
        }
    }
    mark() {
        return this.#steps.length;
    }
    all() {
        this.#running ??= this.unwindTo(0);
        return this.#running;
    }
    /** Runs `main`, tears down, and exits non-zero on failure or on a signal. */
    async run(main) {
        const onSignal = (signal) => {
            process.stderr.write(`\n${signal}: tearing down\n`);
            void this.all().finally(() => process.exit(130));
        };
        for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'])
            process.once(s, onSignal);
        let failed = false;
        try {
            await main();
        }
        catch (err) {
            failed = true;
            process.stderr.write(`${err.stack ?? String(err)}\n`);
        }
        finally {
            await this.all();
        }
        process.exit(failed ? 1 : 0);
    }
}
/** Bytes the shaped link has sent toward the root namespace (what the registry served, framing included). */
export async function linkBytesDown(link) {
    return (await linkDown(link)).sentBytes;
}
/** The downstream tbf's counters: bytes sent, packets dropped (TCP losses on the shaped link). */
export async function linkDown(link) {
    const qdiscs = await link.qdiscs();
    const q = qdiscs.find((d) => d.kind === 'tbf' && d.dev === link.shapedDevices.towardRoot);
    if (q === undefined)
        throw new Error(`no tbf qdisc on ${link.shapedDevices.towardRoot}`);
    return { sentBytes: q.sentBytes, drops: q.drops };
}
/**
 * A daemon metric, asked again when the first try fails: the harness's fetch() may reuse a
 * kept-alive connection that the metrics server has just closed after a long read.
 */
export async function metricOf(daemon, name) {
    for (let attempt = 1;; attempt++) {
        try {
            return await daemon.metric(name);
        }
        catch (err) {
            if (attempt >= 3)
                throw err;
        }
    }
}
export const fmt = {
    s: (v) => (Number.isFinite(v) ? v.toFixed(2) : '-'),
    mbps: (v) => (Number.isFinite(v) ? v.toFixed(1) : '-'),
    ratio: (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : '-'),
    mb: (v) => (Number.isFinite(v) ? (v / MB).toFixed(1) : '-'),
    int: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-'),
};
//# sourceMappingURL=lib.js.map