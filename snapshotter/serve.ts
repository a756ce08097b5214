/**
 * What `darner snapshotter` runs: the snapshotter (and, with remote snapshots, the daemon client
 * and image catalog it needs) served until a signal. Kept apart from cli.ts so that the CLI
 * imports grpc and the rest only when this verb runs.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstSignal } from '../src/signals.js';
import { log } from '../src/log.js';
import { splitHostPort } from '../src/util/host-port.js';
import type { SnapshotterConfig } from './config.js';
import { DaemonFileSystem } from './daemon-fs.js';
import { DarnerLayers } from './darner-layers.js';
import { SnapshotServer } from './grpc-server.js';
import { DaemonWatch, logDaemonEvent, takeoverResult } from './daemon-watch.js';
import { SnapshotterMetrics } from './metrics.js';
import { containerdManifests } from './containerd-content.js';
import { ImageCatalog } from './image-catalog.js';
import { pullServiceDefinition, pullServiceImplementation, type PullServiceOptions } from './pull/pull-service.js';
import type { RemoteLayerHandler } from './remote.js';
import type { DaemonStatus } from '../src/daemon/client.js';
import { Snapshotter } from './snapshotter.js';

/** Serves as configured: local snapshots only, or with remote (darner) layers through the daemon. */
export async function serveSnapshotter(config: SnapshotterConfig): Promise<void> {
  if (!config.remoteSnapshots) {
    await runSnapshotter(config);
    return;
  }
  const local = containerdManifests(config.containerd.address, log);
  const images = new ImageCatalog(
    {
      mirrors: config.registry.mirrors,
      plainHttp: config.registry.plainHttp,
      ...(config.registry.dockerConfig !== undefined ? { dockerConfigPath: config.registry.dockerConfig } : {}),
    },
    log,
    local.read,
  );
  const fs = daemonFileSystem(config);
  try {
    const layers = new DarnerLayers({ root: path.resolve(config.root), fs, images });
    await runSnapshotter(config, { remote: layers, images, mountFromBootstrapLayer: (layer) => layers.mountFromBootstrapLayer(layer), daemonStatus: () => fs.status() });
  } finally {
    local.close();
    await images.close();
    await fs.close();
  }
}

/** The CLI that is running, to start `darner daemon` with by default. */
const DARNER_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** The daemon, as configured. */
export function daemonFileSystem(config: SnapshotterConfig): DaemonFileSystem {
  return new DaemonFileSystem({
    socket: config.daemon.address,
    startCommand: config.daemon.startCommand ?? [process.execPath, DARNER_MAIN, 'daemon', '--socket', config.daemon.address],
    startTimeoutMs: config.daemon.startTimeoutMs,
    ...(config.daemon.logFile !== undefined ? { logFile: config.daemon.logFile } : {}),
  });
}

export interface RunOptions {
  remote?: RemoteLayerHandler;
  /** The remote handler's image catalog: pulls served on the socket hand it their manifests. */
  images?: ImageCatalog;
  /** Mounts a darner image from the bootstrap layer a pull on the socket has just read. */
  mountFromBootstrapLayer?: PullServiceOptions['mountFromBootstrapLayer'];
  /** Resolves to stop the server; default: the first SIGTERM or SIGINT. */
  until?: Promise<unknown>;
  /** The daemon's status (null: none answers), watched for restarts and takeovers. */
  daemonStatus?: () => Promise<DaemonStatus | null>;
}

/** How often the snapshotter asks the daemon who it is (a replacement shows within this). */
const DAEMON_WATCH_INTERVAL_MS = 5_000;

/**
 * Opens the state, serves until told to stop, then stops accepting calls, lets the ones in
 * flight finish, and closes the database. Orphan directories (from a crash) are removed at start.
 */
export async function runSnapshotter(config: SnapshotterConfig, options: RunOptions = {}): Promise<void> {
  const snapshotter = Snapshotter.open({
    root: path.resolve(config.root),
    overlay: config.overlay,
    asyncRemove: config.asyncRemove,
    remote: options.remote,
  });
  let server: SnapshotServer;
  const metrics = new SnapshotterMetrics();
  let metricsServer: Server | undefined;
  try {
    if (config.metrics !== undefined) {
      const { host, port } = splitHostPort(config.metrics, true)!;
      metricsServer = await metrics.serve(host, port);
      const bound = metricsServer.address();
      log.info({ address: `${host}:${typeof bound === 'object' && bound !== null ? bound.port : port}` }, 'metrics listening');
    }
    const pulls = pullServiceImplementation({
      ...(options.images ? { images: options.images } : {}),
      ...(options.mountFromBootstrapLayer ? { mountFromBootstrapLayer: options.mountFromBootstrapLayer } : {}),
      ...(config.registry.dockerConfig !== undefined ? { dockerConfigPath: config.registry.dockerConfig } : {}),
    });
    server = await SnapshotServer.start(snapshotter, {
      address: config.address,
      metrics,
      services: [{ definition: pullServiceDefinition(), implementation: pulls }],
    });
  } catch (err) {
    metricsServer?.close();
    snapshotter.close();
    throw err;
  }
  log.info({ root: snapshotter.root, overlay: snapshotter.overlayFeatures }, 'snapshotter started');
  const watch =
    options.daemonStatus === undefined
      ? undefined
      : new DaemonWatch({
          status: options.daemonStatus,
          intervalMs: DAEMON_WATCH_INTERVAL_MS,
          onEvent: (event) => {
            logDaemonEvent(log, event);
            if (event.kind === 'replaced') metrics.daemonTakeovers.inc({ result: takeoverResult(event) });
          },
        });
  watch?.start();
  const startupCleanup = snapshotter.cleanup().catch((err: unknown) => log.warn({ err }, 'startup cleanup failed'));

  const reason = await (options.until ?? firstSignal());
  log.info({ reason }, 'snapshotter stopping');
  await watch?.close();
  await server.stop();
  if (metricsServer !== undefined) {
    metricsServer.closeAllConnections();
    await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
  }
  await startupCleanup;
  snapshotter.close();
  log.info('snapshotter stopped');
}
