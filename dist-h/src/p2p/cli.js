/**
 * `darner preheat`: ask a seed peer, through the scheduler, to fetch an image ahead of demand.
 * The gRPC client is imported when the verb runs, so that `darner` starts quickly. (`darner
 * scheduler` is src/p2p/scheduler/cli.ts.)
 */
import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import { ConfigError, UsageError } from '../errors.js';
import { setLogLevel } from '../log.js';
import { splitKeyValue } from '../util/pairs.js';
import { parseHostPort } from './address.js';
import { envToken, readTokenFile } from './token-file.js';
/** Pause between GetTask polls of --wait. */
const WAIT_POLL_MS = 1000;
export function register(program) {
    program
        .command('preheat')
        .description('ask a seed peer to fetch an image (darner or plain OCI) ahead of demand')
        .argument('<ref>', 'image reference (darner or plain OCI), e.g. registry.example.com/app:1.2; or a file\'s http(s) URL with --digest')
        .option('--digest <sha256:hex>', 'for a file URL: the file\'s digest (required then)')
        .addOption(new Option('--scheduler <addrs>', 'scheduler address host:port; several comma-separated for failover')
        .env('DARNER_SCHEDULER').default('127.0.0.1:8002'))
        .option('--peer-token-file <file>', 'shared token file (or set DARNER_PEER_TOKEN)')
        .option('--tls-ca <file>', 'talk TLS; verify the scheduler with this PEM CA')
        .option('--tls-cert <file>', 'client certificate (PEM) for a scheduler that requires mTLS')
        .option('--tls-key <file>', 'client key (PEM) for --tls-cert')
        .option('--tls-server-name <name>', 'name to expect in the scheduler\'s certificate')
        .option('--label <key=value>', 'prefer a seed with this label (repeatable)', (v, acc) => [...acc, v], [])
        .option('--timeout <ms>', 'deadline of each call to the scheduler', '5000')
        .option('--wait', 'wait for the seed\'s outcome; exit non-zero with its reason if the preheat fails')
        .option('--wait-timeout <ms>', 'with --wait: give up (exit non-zero) after this long without an outcome', '1800000')
        .action(async (ref, flags) => {
        setLogLevel('warn');
        const addresses = flags.scheduler.split(',').map((a) => a.trim()).filter((a) => a !== '');
        for (const a of addresses)
            parseHostPort(a, '--scheduler');
        const labels = {};
        for (const l of flags.label) {
            const pair = splitKeyValue(l);
            if (pair === undefined)
                throw new UsageError(`--label ${JSON.stringify(l)} must be key=value`);
            labels[pair[0]] = pair[1];
        }
        const isUrl = /^https?:\/\//i.test(ref);
        if (isUrl && flags.digest === undefined)
            throw new UsageError('a file URL needs --digest sha256:<hex>');
        if (!isUrl && flags.digest !== undefined)
            throw new UsageError('--digest goes with a file URL only');
        if (flags.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(flags.digest))
            throw new UsageError('--digest must be sha256:<64 lowercase hex digits>');
        const timeout = Number(flags.timeout);
        if (!Number.isInteger(timeout) || timeout <= 0)
            throw new UsageError('--timeout must be a positive number of milliseconds');
        const waitTimeout = Number(flags.waitTimeout);
        if (!Number.isInteger(waitTimeout) || waitTimeout <= 0)
            throw new UsageError('--wait-timeout must be a positive number of milliseconds');
        const { SchedulerAdmin } = await import('./scheduler-client.js');
        const token = flags.peerTokenFile !== undefined ? await readTokenFile(flags.peerTokenFile) : envToken();
        const tls = await clientTls(flags);
        const admin = new SchedulerAdmin({
            addresses,
            callTimeoutMs: timeout,
            ...(token !== undefined ? { token } : {}),
            ...(tls !== undefined ? { tls } : {}),
        });
        try {
            const res = await admin.preheat(ref, labels, flags.digest ?? '');
            process.stdout.write(`preheat task ${res.taskId} queued on seed ${res.seedHostId}\n`);
            if (flags.wait === true) {
                const { waitForPreheat } = await import('./preheat-wait.js');
                await waitForPreheat({
                    taskId: res.taskId,
                    seedHostId: res.seedHostId,
                    imageRef: ref,
                    timeoutMs: waitTimeout,
                    intervalMs: WAIT_POLL_MS,
                    poll: (id) => admin.task(id),
                    now: Date.now,
                    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
                });
                process.stdout.write(`preheat task ${res.taskId} done: seed ${res.seedHostId} holds ${ref}\n`);
            }
        }
        finally {
            admin.close();
        }
    });
}
/** The scheduler TLS settings of --tls-ca/--tls-cert/--tls-key/--tls-server-name (none: plaintext). */
export async function clientTls(flags) {
    if (flags.tlsCa === undefined && flags.tlsCert === undefined && flags.tlsKey === undefined)
        return undefined;
    if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
        throw new UsageError('--tls-cert and --tls-key go together');
    const load = async (path) => {
        try {
            return await readFile(path);
        }
        catch (err) {
            throw new ConfigError(`${path}: ${err.message}`, { cause: err });
        }
    };
    const tls = {};
    if (flags.tlsCa !== undefined)
        tls.ca = await load(flags.tlsCa);
    if (flags.tlsCert !== undefined)
        tls.cert = await load(flags.tlsCert);
    if (flags.tlsKey !== undefined)
        tls.key = await load(flags.tlsKey);
    if (flags.tlsServerName !== undefined)
        tls.serverName = flags.tlsServerName;
    return tls;
}
//# sourceMappingURL=cli.js.map