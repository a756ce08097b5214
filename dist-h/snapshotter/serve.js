import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstSignal } from '../src/signals.js';
import { log } from '../src/log.js';
import { splitHostPort } from '../src/util/host-port.js';
import { DaemonFileSystem } from './daemon-fs.js';
import { DarnerLayers } from './darner-layers.js';
import { SnapshotServer } from './grpc-server.js';
import { DaemonWatch, logDaemonEvent, takeoverResult } from './daemon-watch.js';
import { SnapshotterMetrics } from './metrics.js';
import { containerdManifests } from './containerd-content.js';
import { ImageCatalog } from './image-catalog.js';
import { pullServiceDefinition, pullServiceImplementation } from './pull/pull-service.js';
import { Snapshotter } from './snapshotter.js';
/** Serves as configured: local snapshots only, or with remote (darner) layers through the daemon. */
export async function serveSnapshotter(config) {
    if (!config.remoteSnapshots) {
        await runSnapshotter(config);
        return;
    }
    const local = containerdManifests(config.containerd.address, log);
    const images = new ImageCatalog({
        mirrors: config.registry.mirrors,
        plainHttp: config.registry.plainHttp,
        ...(config.registry.dockerConfig !== undefined ? { dockerConfigPath: config.registry.dockerConfig } : {}),
    }, log, local.read);
    const fs = daemonFileSystem(config);
    try {
        await runSnapshotter(config, { remote: new DarnerLayers({ root: path.resolve(config.root), fs, images }), images, daemonStatus: () => fs.status() });
    }
    finally {
        local.close();
        await images.close();
        await fs.close();
    }
}
/** The CLI that is running, to start `darner daemon` with by default. */
const DARNER_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
/** The daemon, as configured. */
export function daemonFileSystem(config) {
    return new DaemonFileSystem({
        socket: config.daemon.address,
        startCommand: config.daemon.startCommand ?? [process.execPath, DARNER_MAIN, 'daemon', '--socket', config.daemon.address],
        startTimeoutMs: config.daemon.startTimeoutMs,
        ...(config.daemon.logFile !== undefined ? { logFile: config.daemon.logFile } : {}),
    });
}
/** How often the snapshotter asks the daemon who it is (a replacement shows within this). */
const DAEMON_WATCH_INTERVAL_MS = 5_000;
/**
 * Opens the state, serves until told to stop, then stops accepting calls, lets the ones in
 * flight finish, and closes the database. Orphan directories (from a crash) are removed at start.
 */
export async function runSnapshotter(config, options = {}) {
    const snapshotter = Snapshotter.open({
        root: path.resolve(config.root),
        overlay: config.overlay,
        asyncRemove: config.asyncRemove,
        remote: options.remote,
    });
    let server;
    const metrics = new SnapshotterMetrics();
    let metricsServer;
    try {
        if (config.metrics !== undefined) {
            const { host, port } = splitHostPort(config.metrics, true);
            metricsServer = await metrics.serve(host, port);
            const bound = metricsServer.address();
            log.info({ address: `${host}:${typeof bound === 'object' && bound !== null ? bound.port : port}` }, 'metrics listening');
        }
        const pulls = pullServiceImplementation({
            ...(options.images ? { images: options.images } : {}),
            ...(config.registry.dockerConfig !== undefined ? { dockerConfigPath: config.registry.dockerConfig } : {}),
        });
        server = await SnapshotServer.start(snapshotter, {
            address: config.address,
            metrics,
            services: [{ definition: pullServiceDefinition(), implementation: pulls }],
        });
    }
    catch (err) {
        metricsServer?.close();
        snapshotter.close();
        throw err;
    }
    log.info({ root: snapshotter.root, overlay: snapshotter.overlayFeatures }, 'snapshotter started');
    const watch = options.daemonStatus === undefined
        ? undefined
        : new DaemonWatch({
            status: options.daemonStatus,
            intervalMs: DAEMON_WATCH_INTERVAL_MS,
            onEvent: (event) => {
                logDaemonEvent(log, event);
                if (event.kind === 'replaced')
                    metrics.daemonTakeovers.inc({ result: takeoverResult(event) });
            },
        });
    watch?.start();
    const startupCleanup = snapshotter.cleanup().catch((err) => log.warn({ err }, 'startup cleanup failed'));
    const reason = await (options.until ?? firstSignal());
    log.info({ reason }, 'snapshotter stopping');
    await watch?.close();
    await server.stop();
    if (metricsServer !== undefined) {
        metricsServer.closeAllConnections();
        await new Promise((resolve) => metricsServer.close(() => resolve()));
    }
    await startupCleanup;
    snapshotter.close();
    log.info('snapshotter stopped');
}
//# sourceMappingURL=serve.js.map