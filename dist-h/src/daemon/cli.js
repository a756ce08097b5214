/**
 * `darner daemon`, `darner mount`, `darner umount`, `darner cache ls|gc`. The last three are thin
 * clients of the control API; `mount` starts a daemon in the background when none answers, and
 * `cache` works on the cache directory named with --cache when no daemon answers. The work (the
 * daemon, its client, the cache) is imported when a verb runs, so that `darner` starts quickly.
 */
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { formatBytes } from '../format-bytes.js';
import { ConfigError, DaemonUnavailableError, UsageError } from '../errors.js';
import { setLogLevel } from '../log.js';
import { cacheListingOf } from './api.js';
import { isBlobId } from '../util/hex-id.js';
import { examples, hiddenAlias, subcommand } from '../util/cli-options.js';
import { splitKeyValue, splitUserPassword } from '../util/pairs.js';
import { parseSize } from '../util/size.js';
import { DEFAULT_SOCKET, defaultDaemonConfig, loadDaemonConfig } from './config.js';
/** A byte size given to `what` (src/util/size.ts: `1048576`, `64K`, `20M`, `1GiB`). */
function parseBytes(text, what) {
    const size = parseSize(text);
    if (size === undefined)
        throw new UsageError(`${what}: bad size ${JSON.stringify(text)} (examples: 1048576, 64K, 20M)`);
    return size;
}
function parseInteger(text, what) {
    if (!/^[0-9]+$/.test(text.trim()))
        throw new UsageError(`${what} must be a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
}
function parseLabels(values) {
    const out = {};
    for (const v of values) {
        const pair = splitKeyValue(v);
        if (pair === undefined)
            throw new UsageError(`--label ${JSON.stringify(v)} must be KEY=VALUE`);
        out[pair[0]] = pair[1];
    }
    return out;
}
function collect(value, previous) {
    return [...previous, value];
}
export function formatCacheListing(listing) {
    const rows = [['BLOB', 'SIZE', 'CACHED', 'ON DISK', 'CHUNKS', 'IN USE', 'LAST USED']];
    for (const b of listing.blobs) {
        rows.push([b.id.slice(0, 12), formatBytes(b.uncompressedSize), formatBytes(b.cachedBytes), formatBytes(b.diskBytes), String(b.readyChunks), b.referenced ? 'yes' : 'no', b.lastUsed]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
    const limit = listing.maxBytes === undefined ? '' : listing.maxBytes === 0 ? ' (no limit)' : ` (limit ${formatBytes(listing.maxBytes)})`;
    lines.push(`${listing.blobs.length} blobs, ${formatBytes(listing.totalBytes)} on disk${limit}`);
    return `${lines.join('\n')}\n`;
}
/**
 * Runs `viaDaemon` against the daemon when one answers; else `direct` on the cache directory the
 * user named with --cache. With no daemon and no --cache, one line: a default directory may not
 * be this node's cache at all, and reading it would report (or create) the wrong one.
 */
async function viaDaemonOrCache(socket, cacheDir, viaDaemon, direct) {
    const { DaemonClient } = await import('./client.js');
    const client = new DaemonClient(socket, { timeoutMs: 600_000 });
    try {
        return await viaDaemon(client);
    }
    catch (err) {
        if (!(err instanceof DaemonUnavailableError))
            throw err;
        if (cacheDir === undefined)
            throw new DaemonUnavailableError(`no darner daemon answers on ${socket}; to use a cache directory without a daemon, name it with --cache DIR`);
    }
    finally {
        await client.close();
    }
    return direct(cacheDir);
}
async function directCacheList(dir) {
    const { inspectBlobCache } = await import('../cache/index.js');
    return cacheListingOf(await inspectBlobCache(dir));
}
async function directCacheGc(dir, keep) {
    const { inspectBlobCache, openBlobCache } = await import('../cache/index.js');
    await inspectBlobCache(dir); // an existing cache directory, never created here
    const cache = await openBlobCache({ dir });
    try {
        const result = await cache.gc({ keep });
        return { removed: result.removed, freedBytes: result.freedBytes };
    }
    finally {
        await cache.close();
    }
}
function p2pFlags(o) {
    const labels = {};
    if (o.region !== undefined)
        labels.region = o.region;
    if (o.zone !== undefined)
        labels.zone = o.zone;
    if (o.rack !== undefined)
        labels.rack = o.rack;
    return {
        ...(o.scheduler !== undefined ? { schedulers: o.scheduler.split(',').map((a) => a.trim()).filter((a) => a !== '') } : {}),
        ...(o.peerListen !== undefined ? { listen: o.peerListen } : {}),
        ...(o.peerAdvertise !== undefined ? { advertise: o.peerAdvertise } : {}),
        ...(o.peerId !== undefined ? { hostId: o.peerId } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.peerTokenFile !== undefined ? { tokenFile: resolvePath(o.peerTokenFile) } : {}),
        ...(o.peerInsecure !== undefined ? { insecure: o.peerInsecure } : {}),
        ...(o.peerMaxUploads !== undefined ? { maxUploads: parseInteger(o.peerMaxUploads, '--peer-max-uploads') } : {}),
        ...(o.peerUploadLimit !== undefined ? { uploadBandwidth: parseBytes(o.peerUploadLimit, '--peer-upload-limit') } : {}),
        ...(o.peerDownloadLimit !== undefined ? { downloadBandwidth: parseBytes(o.peerDownloadLimit, '--peer-download-limit') } : {}),
        ...(o.peerTlsCert !== undefined ? { tlsCert: resolvePath(o.peerTlsCert) } : {}),
        ...(o.peerTlsKey !== undefined ? { tlsKey: resolvePath(o.peerTlsKey) } : {}),
        ...(o.peerTlsCa !== undefined ? { tlsCa: resolvePath(o.peerTlsCa) } : {}),
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
    };
}
/** Loads a `--daemon-config` file as the daemon would; a ConfigError naming the flag otherwise. */
function checkDaemonConfig(file) {
    try {
        loadDaemonConfig(file);
    }
    catch (err) {
        if (err instanceof ConfigError)
            throw new ConfigError(`--daemon-config: ${err.message}`, { cause: err });
        throw err;
    }
}
export function register(program) {
    program
        .command('fd-keeper')
        .description('hold the daemon\'s FUSE connections (their /dev/fuse fds) while no daemon runs: see docs/failover.md')
        .requiredOption('--socket <path>', 'the keeper\'s unix socket ([failover] keeper_socket of the daemon)')
        .action(async (opts) => {
        const { runKeeper } = await import('./fd-keeper.js');
        runKeeper(resolvePath(opts.socket));
    });
    program
        .command('daemon')
        .description('run the node daemon: FUSE mounts of darner images, the blob cache, the control API')
        .option('--socket <path>', `control API socket (default: ${DEFAULT_SOCKET})`)
        .option('--cache <dir>', `blob cache directory (default: ${defaultDaemonConfig().cacheDir})`)
        .option('--state <dir>', `state directory: mounts.json, saved bootstraps, default mount points (default: ${defaultDaemonConfig().stateDir})`)
        .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
        .option('--config <file>', 'TOML (or .json) configuration file; flags override it')
        .option('--prefetch-all', 'fetch every chunk of every mounted image in the background')
        .option('--prefetch-bandwidth <bytes>', 'bytes per second for --prefetch-all (e.g. 20M; 0: unlimited)')
        .option('--cache-max-size <bytes>', `disk the blob cache may use before least recently used blobs no mount reads are evicted (e.g. 50G; 0: no limit; default ${formatBytes(defaultDaemonConfig().cache.maxSize)})`)
        .option('--fetch-timeout <ms>', 'fail a read whose data has not arrived after this long (EIO)')
        .option('--log-level <level>', 'fatal, error, warn, info, debug or trace')
        .option('--takeover', 'live upgrade: have the daemon running on the socket hand its mounts over, then serve them (docs/failover.md)')
        .option('--scheduler <addrs>', 'P2P: scheduler host:port (comma-separated replicas); P2P is off without it')
        .option('--peer-listen <host:port>', 'P2P: where this peer serves cached ranges to others (default: 0.0.0.0:8010)')
        .option('--peer-advertise <url>', 'P2P: the URL other peers reach this one at (default: from --peer-listen)')
        .option('--peer-id <id>', 'P2P: this node\'s host id (default: a random id kept in the state directory)')
        .option('--seed', 'P2P: receive preheat tasks (darner preheat)')
        .option('--peer-token-file <file>', 'P2P: the cluster\'s shared token (or DARNER_PEER_TOKEN)')
        .option('--peer-insecure', 'P2P: serve other peers without a token or mTLS (anyone reaching --peer-listen reads cached bytes)')
        .option('--peer-max-uploads <n>', 'P2P: concurrent uploads before answering 503 (0: never serve)')
        .option('--peer-upload-limit <bytes>', 'P2P: upload bandwidth over all peers, bytes/s (e.g. 50M; 0: unlimited)')
        .option('--peer-download-limit <bytes>', 'P2P: download bandwidth from peers, bytes/s (0: unlimited)')
        .option('--peer-tls-cert <file>', 'P2P: PEM certificate for the peer server and as client certificate')
        .option('--peer-tls-key <file>', 'P2P: PEM key for --peer-tls-cert')
        .option('--peer-tls-ca <file>', 'P2P: PEM CA that signs peer certificates (mTLS) and the scheduler\'s')
        .option('--region <name>', 'P2P: locality label region')
        .option('--zone <name>', 'P2P: locality label zone')
        .option('--rack <name>', 'P2P: locality label rack')
        .option('--mirror-listen <host:port>', 'serve a registry mirror for containerd here (docs/mirror.md)')
        .action(async (opts) => {
        // Cache I/O and decompression share libuv's pool with the FUSE layer's file operations.
        process.env.UV_THREADPOOL_SIZE ??= '16';
        const config = loadDaemonConfig(opts.config === undefined ? undefined : resolvePath(opts.config), {
            ...(opts.socket !== undefined ? { socket: resolvePath(opts.socket) } : {}),
            ...(opts.cache !== undefined ? { cache: resolvePath(opts.cache) } : {}),
            ...(opts.state !== undefined ? { state: resolvePath(opts.state) } : {}),
            ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
            ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
            ...(opts.prefetchAll !== undefined ? { prefetchAll: opts.prefetchAll } : {}),
            ...(opts.prefetchBandwidth !== undefined ? { prefetchBandwidth: parseBytes(opts.prefetchBandwidth, '--prefetch-bandwidth') } : {}),
            ...(opts.cacheMaxSize !== undefined ? { cacheMaxSize: parseBytes(opts.cacheMaxSize, '--cache-max-size') } : {}),
            ...(opts.fetchTimeout !== undefined ? { fetchTimeoutMs: parseInteger(opts.fetchTimeout, '--fetch-timeout') } : {}),
            ...(opts.mirrorListen !== undefined ? { mirrorListen: opts.mirrorListen } : {}),
            p2p: p2pFlags(opts),
        });
        const { runDaemon } = await import('./daemon.js');
        await runDaemon(config, { takeover: opts.takeover === true });
    });
    program
        .command('mount')
        .description('mount a darner image lazily through the daemon (started in the background if none runs)')
        .argument('<reference>', 'the darner image: HOST/REPO:TAG, docker://..., oci:DIR[:TAG]')
        .argument('<dir>', 'mount point (created if missing)')
        .option('--socket <path>', `the daemon's control socket (default: ${DEFAULT_SOCKET})`)
        .option('--bootstrap <file>', 'use this local bootstrap instead of fetching the bootstrap layer')
        .option('--platform <os/arch>', 'pick this platform from a multi-platform image')
        .option('--plain-http', 'talk plain http to a non-loopback registry')
        .option('--creds <user:password>', 'registry credentials (default: the docker config)')
        .option('--prefetch-all', 'fetch the whole image in the background')
        .option('--label <key=value>', 'label to attach to the mount (repeatable)', collect, [])
        .option('--record <file>', 'record the files read through this mount (FUSE mode) to an access trace, written at umount')
        .option('--daemon-config <file>', 'configuration for a daemon this command starts')
        .action(async (reference, dir, opts) => {
        setLogLevel('warn');
        const { ensureDaemon } = await import('./spawn.js');
        const { DaemonClient } = await import('./client.js');
        const socket = resolvePath(opts.socket ?? DEFAULT_SOCKET);
        // A configuration the started daemon would refuse is refused here, before anything is spawned.
        if (opts.daemonConfig !== undefined)
            checkDaemonConfig(resolvePath(opts.daemonConfig));
        const ensured = await ensureDaemon({ socket, ...(opts.daemonConfig !== undefined ? { args: ['--config', resolvePath(opts.daemonConfig)] } : {}) });
        if (ensured.started)
            process.stdout.write(`started darner daemon (pid ${ensured.status.pid}) on ${socket}; its log: ${ensured.logFile}\n`);
        const credentials = opts.creds !== undefined ? splitUserPassword(opts.creds) : undefined;
        if (opts.creds !== undefined && credentials === undefined)
            throw new UsageError('--creds must be USERNAME:PASSWORD');
        const client = new DaemonClient(socket);
        try {
            const { mount, created } = await client.mount({
                reference,
                mountpoint: resolvePath(dir),
                ...(opts.bootstrap !== undefined ? { bootstrap: resolvePath(opts.bootstrap) } : {}),
                ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
                ...(opts.plainHttp ? { plainHttp: true } : {}),
                ...(credentials !== undefined ? { credentials } : {}),
                ...(opts.prefetchAll ? { prefetchAll: true } : {}),
                ...(opts.label.length > 0 ? { labels: parseLabels(opts.label) } : {}),
                ...(opts.record !== undefined ? { record: resolvePath(opts.record) } : {}),
            });
            process.stdout.write(`${created ? 'mounted' : 'already mounted'} ${mount.reference} at ${mount.mountpoint} (${mount.id})\n`);
        }
        finally {
            await client.close();
        }
    });
    program
        .command('umount')
        .alias('unmount')
        .description('unmount an image mounted by the daemon')
        .argument('<dir-or-id>', 'the mount point, or the mount id (m-...)')
        .option('--socket <path>', `the daemon's control socket (default: ${DEFAULT_SOCKET})`)
        .action(async (target, opts) => {
        setLogLevel('warn');
        const { DaemonClient } = await import('./client.js');
        const client = new DaemonClient(resolvePath(opts.socket ?? DEFAULT_SOCKET));
        try {
            // A mount id unless a path of that name exists (then the path is meant).
            if (/^m-[A-Za-z0-9]+$/.test(target) && !existsSync(target))
                await client.unmount(target);
            else
                await client.unmountAt(resolvePath(target));
            process.stdout.write(`unmounted ${target}\n`);
        }
        finally {
            await client.close();
        }
    });
    const cache = program.command('cache').description('the blob cache: list it, collect garbage');
    cache
        .command('ls')
        .description('list cached blobs (through the daemon; without one, from the directory --cache names)')
        .option('--socket <path>', `the daemon's control socket (default: ${DEFAULT_SOCKET})`)
        .option('--cache <dir>', 'the cache directory to use when no daemon answers (never created)')
        .option('--json', 'print the listing as JSON')
        .action(async (opts) => {
        setLogLevel('warn');
        const listing = await viaDaemonOrCache(resolvePath(opts.socket ?? DEFAULT_SOCKET), opts.cache === undefined ? undefined : resolvePath(opts.cache), (c) => c.cacheList(), directCacheList);
        process.stdout.write(opts.json ? `${JSON.stringify(listing, null, 2)}\n` : formatCacheListing(listing));
    });
    cache
        .command('gc')
        .description('remove every cached blob that no mount uses (through the daemon; without one, in the directory --cache names)')
        .option('--socket <path>', `the daemon's control socket (default: ${DEFAULT_SOCKET})`)
        .option('--cache <dir>', 'the cache directory to use when no daemon answers (never created)')
        .option('--keep <blob-id>', 'keep this blob although no mount uses it (repeatable)', collect, [])
        .option('--json', 'print the result as JSON')
        .action(async (opts) => {
        setLogLevel('warn');
        for (const id of opts.keep)
            if (!isBlobId(id))
                throw new UsageError(`--keep ${JSON.stringify(id)} is not a blob id (64 hex digits)`);
        const result = await viaDaemonOrCache(resolvePath(opts.socket ?? DEFAULT_SOCKET), opts.cache === undefined ? undefined : resolvePath(opts.cache), (c) => c.cacheGc(opts.keep), (dir) => directCacheGc(dir, opts.keep));
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `removed ${result.removed.length} blobs, freed ${formatBytes(result.freedBytes)}\n`);
    });
    // `--daemon` was these verbs' name for the socket; scripts using it keep working.
    for (const command of [subcommand(program, 'mount'), subcommand(program, 'umount'), subcommand(cache, 'ls'), subcommand(cache, 'gc')]) {
        hiddenAlias(command, '--daemon <socket>', 'socket');
    }
    examples(subcommand(program, 'fd-keeper'), 'darner fd-keeper --socket /run/darner/fd-keeper.sock');
    examples(subcommand(program, 'daemon'), 'darner daemon', 'darner daemon --config /etc/darner/daemon.toml --metrics 127.0.0.1:9100', 'darner daemon --scheduler 10.0.0.5:8002 --peer-token-file /etc/darner/peer-token', 'darner daemon --config /etc/darner/daemon.toml --takeover   # live upgrade of the running daemon');
    examples(subcommand(program, 'mount'), 'darner mount registry.example.com/app:1-darner /mnt/app', 'darner mount --socket /run/darner/daemon.sock --prefetch-all oci:/images/app:darner /mnt/app');
    examples(subcommand(program, 'umount'), 'darner umount /mnt/app', 'darner umount m-3f2a9c0d1e4b5a6c');
    examples(cache, 'darner cache ls', 'darner cache gc');
    examples(subcommand(cache, 'ls'), 'darner cache ls', 'darner cache ls --json', 'darner cache ls --cache /var/lib/darner/cache');
    examples(subcommand(cache, 'gc'), 'darner cache gc', 'darner cache gc --json');
}
//# sourceMappingURL=cli.js.map