/**
 * Assembles a daemon from a validated DaemonConfig — metrics registry, blob cache, fetch engine,
 * mount manager (restoring the saved mounts), control API, metrics endpoint — and takes it apart
 * in the reverse order. `darner daemon` runs it until SIGTERM/SIGINT; tests may start it in a
 * child process the same way.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { openBlobCache } from '../cache/index.js';
import type { BlobCache } from '../cache/types.js';
import { createChunkFetcher } from '../fetch/index.js';
import type { ChunkFetcher } from '../fetch/types.js';
import { AlreadyExistsError, rethrowAsPathError } from '../errors.js';
import { log } from '../log.js';
import { formatHostPort, parseHostPort } from '../p2p/address.js';
import { startDaemonPeer } from '../p2p/daemon-peer.js';
import { cacheListingOf, type CacheListing, type DaemonStatus, type GcResponse } from './api.js';
import type { DaemonConfig } from './config.js';
import { DaemonMetrics } from './metrics.js';
import { MountManager } from './mounts.js';
import { socketAnswers, startControlServer, type ControlServer } from './server.js';
import { StateStore } from './state.js';
import { metricLabel } from '../util/metric-label.js';

export interface RunningDaemon {
  readonly config: DaemonConfig;
  readonly socket: string;
  /** host:port the metrics endpoint listens on, when enabled. */
  readonly metricsAddress: string | undefined;
  readonly mounts: MountManager;
  readonly metrics: DaemonMetrics;
  /** Unmounts everything (mounts.json is kept), closes the cache, stops the servers. Idempotent. */
  stop(): Promise<void>;
}

let cachedVersion: string | undefined;

/** darner's version, from the package.json at the repository root. */
export function darnerVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

export async function startDaemon(config: DaemonConfig): Promise<RunningDaemon> {
  if (config.logLevel !== undefined) log.level = config.logLevel;
  const startedAt = new Date();
  // Fail before touching the cache or the mounts when another daemon already serves this socket.
  if (await socketAnswers(resolvePath(config.socket))) throw new AlreadyExistsError(`a daemon already answers on ${config.socket}`);
  const state = new StateStore(resolvePath(config.stateDir));
  await state.init().catch(rethrowAsPathError('state directory (--state, state_dir)', config.stateDir));
  let manager: MountManager | undefined;
  const metrics = new DaemonMetrics(() => manager?.size ?? 0);
  const cleanups: Array<() => Promise<void>> = [];
  const unwind = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => log.error({ err: (err as Error).message }, 'shutdown step failed'));
    cleanups.length = 0;
  };
  try {
    const cache: BlobCache = await openBlobCache({ dir: resolvePath(config.cacheDir), metrics: metrics.registry });
    cleanups.push(() => cache.close());
    const fetcher: ChunkFetcher = createChunkFetcher(cache, {
      maxConcurrentFetches: config.fetch.maxConcurrent,
      maxRequestBytes: config.fetch.maxRequestBytes,
      readAhead: config.fetch.readAhead,
      sequentialReadAheadBytes: config.fetch.sequentialReadAhead,
      fetchTimeoutMs: config.fetch.timeoutMs,
      retryBaseDelayMs: config.fetch.retryBaseDelayMs,
      retryMaxDelayMs: config.fetch.retryMaxDelayMs,
      metrics: metrics.registry,
    });
    cleanups.push(() => fetcher.close());
    // P2P (off without a scheduler): the peer serves this cache and is every mount's peer source.
    const peer = await startDaemonPeer(config.p2p, { cache, fetcher, metrics: metrics.registry, stateDir: state.dir });
    if (peer !== undefined) cleanups.push(() => peer.close());
    const mounts = new MountManager({
      fetcher,
      state,
      fuse: { allowOther: config.fuse.allowOther, maxRead: config.fuse.maxRead, cacheTimeout: config.fuse.cacheTimeout },
      mode: config.fuse.mode,
      pipelining: config.fetch.pipelining,
      readTimeoutMs: config.fuse.readTimeoutMs,
      prefetch: config.prefetch,
      observer: metrics.fsObserver(),
      ...(peer !== undefined ? { peer: peer.source } : {}),
    });
    manager = mounts;
    cleanups.push(() => mounts.closeAll());
    await mounts.restore();

    let metricsAddress: string | undefined;
    if (config.metrics !== undefined) {
      const { host, port } = parseHostPort(config.metrics, 'metrics', true);
      const server: Server = await metrics.serve(host, port);
      const bound = server.address();
      metricsAddress = formatHostPort({ host, port: typeof bound === 'object' && bound !== null ? bound.port : port });
      cleanups.push(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      log.info({ address: metricsAddress }, 'metrics listening');
    }

    const status = async (): Promise<DaemonStatus> => ({
      version: darnerVersion(),
      pid: process.pid,
      startedAt: startedAt.toISOString(),
      cacheDir: cache.dir,
      mounts: mounts.size,
      metrics: metricsAddress ?? null,
      ...(peer !== undefined ? { p2p: { hostId: peer.scheduler.hostId, peerUrl: peer.peerUrl, scheduler: peer.scheduler.address, state: peer.scheduler.state } } : {}),
    });
    const cacheList = async (): Promise<CacheListing> => cacheListingOf(await cache.usage());
    const cacheGc = async (keep: string[]): Promise<GcResponse> => {
      const result = await cache.gc({ keep: [...keep, ...mounts.referencedBlobs()] });
      log.info({ removed: result.removed.length, freedBytes: result.freedBytes }, 'cache gc');
      return { removed: result.removed, freedBytes: result.freedBytes };
    };
    const control: ControlServer = await startControlServer(
      resolvePath(config.socket),
      {
        status,
        listMounts: async () => mounts.list(),
        createMount: (request) => mounts.mount(request),
        deleteMount: (id) => mounts.unmount(id),
        mountAt: async (mountpoint) => (await mounts.findByMountpoint(mountpoint))?.id,
        cacheList,
        cacheGc,
        stopRecording: (id) => mounts.stopRecording(id),
      },
      (method, route, status) => metrics.apiRequests.inc({ method: metricLabel(method), route, status: String(status) }),
    );
    // The API goes first on the way down: no request may arrive while mounts are released.
    cleanups.push(() => control.close());
    log.info({ socket: control.socket, cacheDir: cache.dir, stateDir: state.dir, mounts: mounts.size, version: darnerVersion() }, 'daemon started');

    let stopping: Promise<void> | undefined;
    return {
      config,
      socket: control.socket,
      metricsAddress,
      mounts,
      metrics,
      stop() {
        stopping ??= (async () => {
          log.info('daemon stopping');
          await unwind();
          log.info('daemon stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** Runs a daemon until SIGTERM or SIGINT, then stops it cleanly. */
export async function runDaemon(config: DaemonConfig): Promise<void> {
  // The daemon hosts every mount of the node: a stray rejection is logged, never fatal to them.
  process.on('unhandledRejection', (reason) => log.error({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection'));
  const daemon = await startDaemon(config);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'signal received');
  await daemon.stop();
}

