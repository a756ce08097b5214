/**
 * `darner status`: what a daemon is doing (mounts with their mode, the cache, P2P), or with
 * `--scheduler` what a P2P scheduler knows (its peers and tasks). Read-only; the clients are imported when
 * the verb runs, so that `darner` starts quickly.
 */
import { resolve as resolvePath } from 'node:path';
import { DEFAULT_SOCKET } from '../daemon/config.js';
import { setLogLevel } from '../log.js';
import { parseHostPort } from '../p2p/address.js';
import { clientTls } from '../p2p/cli.js';
import { envToken, readTokenFile } from '../p2p/token-file.js';
import { examples, hiddenAlias } from '../util/cli-options.js';
import { formatDaemonReport, formatSchedulerReport } from './status-format.js';
async function daemonReport(socket) {
    const { DaemonClient } = await import('../daemon/client.js');
    const client = new DaemonClient(socket, { timeoutMs: 30_000 });
    try {
        const daemon = await client.status();
        const [mounts, cache] = await Promise.all([client.listMounts(), client.cacheList()]);
        return { socket, daemon, mounts, cache };
    }
    finally {
        await client.close();
    }
}
async function schedulerReport(flags, addresses) {
    const { SchedulerAdmin } = await import('../p2p/scheduler-rpc.js');
    const token = flags.peerTokenFile !== undefined ? await readTokenFile(flags.peerTokenFile) : envToken();
    const tls = await clientTls(flags);
    const admin = new SchedulerAdmin({
        addresses,
        callTimeoutMs: 5000,
        ...(token !== undefined ? { token } : {}),
        ...(tls !== undefined ? { tls } : {}),
    });
    try {
        const scheduler = await admin.status();
        const peers = await admin.listPeers();
        const tasks = await admin.listTasks();
        return { address: addresses.join(','), scheduler, peers, tasks };
    }
    finally {
        admin.close();
    }
}
export function register(program) {
    const command = program
        .command('status')
        .description('show a daemon\'s mounts (with their mode), cache and P2P state; with --scheduler, a scheduler\'s peers and tasks')
        .option('--socket <path>', `the daemon's control socket (default: ${DEFAULT_SOCKET})`)
        .option('--scheduler <addrs>', 'show this P2P scheduler (host:port; comma-separated replicas) instead of a daemon')
        .option('--peer-token-file <file>', 'the scheduler\'s shared token (or DARNER_PEER_TOKEN)')
        .option('--tls-ca <file>', 'talk TLS to the scheduler; verify it with this PEM CA')
        .option('--tls-cert <file>', 'client certificate (PEM) for a scheduler that requires mTLS')
        .option('--tls-key <file>', 'client key (PEM) for --tls-cert')
        .option('--tls-server-name <name>', 'name to expect in the scheduler\'s certificate')
        .option('--json', 'print the status as JSON')
        .action(async (flags) => {
        setLogLevel('warn');
        const now = new Date();
        if (flags.scheduler !== undefined) {
            const addresses = flags.scheduler.split(',').map((a) => a.trim()).filter((a) => a !== '');
            for (const a of addresses)
                parseHostPort(a, '--scheduler');
            const report = await schedulerReport(flags, addresses);
            process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatSchedulerReport(report, now));
            return;
        }
        const report = await daemonReport(resolvePath(flags.socket ?? DEFAULT_SOCKET));
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatDaemonReport(report, now));
    });
    hiddenAlias(command, '--daemon <socket>', 'socket');
    examples(command, 'darner status', 'darner status --socket /run/darner/daemon.sock --json', 'darner status --scheduler 10.0.0.5:8002');
}
//# sourceMappingURL=status.js.map