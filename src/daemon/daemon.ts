/**
 * Assembles a daemon from a validated DaemonConfig — metrics registry, blob cache, fetch engine,
 * mount manager (restoring the saved mounts), control API, metrics endpoint — and takes it apart
 * in the reverse order. `darner daemon` runs it until SIGTERM/SIGINT; tests may start it in a
 * child process the same way.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve as resolvePath } from 'node:path';
import { signalZero } from '../cache/process-liveness.js';
import { openBlobCache } from '../cache/index.js';
import type { BlobCache } from '../cache/types.js';
import { createChunkFetcher } from '../fetch/index.js';
import type { ChunkFetcher } from '../fetch/types.js';
import { AlreadyExistsError, DaemonApiError, DaemonUnavailableError, rethrowAsPathError, TakeoverError, UsageError } from '../errors.js';
import { DEFAULT_TAG, parseReference } from '../oci/reference.js';
import { log } from '../log.js';
import { formatHostPort, parseHostPort } from '../p2p/address.js';
import { startDaemonPeer } from '../p2p/daemon-peer.js';
import { bulkReadStart } from '../p2p/read-order.js';
import { PieceLists } from '../mirror/piece-lists.js';
import { startMirror } from '../mirror/daemon-mirror.js';
import { preheatFileThroughMirror, preheatThroughMirror } from '../mirror/preheat.js';
import { cacheListingOf, type CacheListing, type DaemonStatus, type GcResponse } from './api.js';
import type { DaemonConfig } from './config.js';
import { DaemonClient } from './client.js';
import { connectKeeper, keeperSocketOf, quitKeeperIfEmpty, type KeeperConnection } from './fd-keeper.js';
import { DaemonMetrics } from './metrics.js';
import { CacheLimit } from './cache-limit.js';
import { MountManager } from './mounts.js';
import { ensureSocketDir, socketAnswers, startControlServer, type ControlServer } from './server.js';
import { acquireStateLock } from './state-lock.js';
import { StateStore } from './state.js';
import { metricLabel } from '../util/metric-label.js';

export interface RunningDaemon {
  readonly config: DaemonConfig;
  readonly socket: string;
  /** host:port the metrics endpoint listens on, when enabled. */
  readonly metricsAddress: string | undefined;
  readonly mounts: MountManager;
  readonly metrics: DaemonMetrics;
  /**
   * Unmounts everything (mounts.json is kept), closes the cache, stops the servers. Idempotent.
   * With `keepMounts` and an fd keeper, leaves the mounts to the next daemon instead (as a
   * handover does); returns whether it did.
   */
  stop(options?: { keepMounts?: boolean }): Promise<boolean>;
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
  // Before anything starts (the fd keeper, the peer): an unusable socket path is one line.
  await ensureSocketDir(resolvePath(config.socket));
  // Before the cache and the mounts: a second daemon on this state directory touches neither.
  const stateLock = await acquireStateLock(state.dir);
  let manager: MountManager | undefined;
  const metrics = new DaemonMetrics(() => manager?.size ?? 0);
  const cleanups: Array<() => Promise<void>> = [() => stateLock.release()];
  const unwind = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => log.error({ err: (err as Error).message }, 'shutdown step failed'));
    cleanups.length = 0;
  };
  try {
    // The compressed mirror is what the P2P peer serves: without P2P it would only cost disk.
    const keepStored = config.p2p.schedulers.length > 0;
    const cache: BlobCache = await openBlobCache({ dir: resolvePath(config.cacheDir), metrics: metrics.registry, keepStored });
    cleanups.push(() => cache.close());
    const fetcher: ChunkFetcher = createChunkFetcher(cache, {
      maxConcurrentFetches: config.fetch.maxConcurrent,
      maxRequestBytes: config.fetch.maxRequestBytes,
      readAhead: config.fetch.readAhead,
      smallFileBytes: config.fetch.smallFile,
      smallFileRequestBytes: config.fetch.smallFileRequest,
      sequentialReadAheadBytes: config.fetch.sequentialReadAhead,
      sequentialStartBytes: config.fetch.sequentialStart,
      fetchTimeoutMs: config.fetch.timeoutMs,
      retryBaseDelayMs: config.fetch.retryBaseDelayMs,
      retryMaxDelayMs: config.fetch.retryMaxDelayMs,
      metrics: metrics.registry,
    });
    cleanups.push(() => fetcher.close());
    // Failover: the connections an earlier daemon left with the keeper are taken back in restore.
    let keeper: KeeperConnection | undefined;
    if (config.failover.keeper !== 'off') {
      const socket = keeperSocketOf(config);
      keeper = await connectKeeper(socket, config.failover.keeper);
      if (config.failover.keeper === 'spawn') cleanups.push(async () => quitKeeperIfEmpty(socket));
    }
    const takeovers = { taken: 0, lost: 0, failed: 0 };
    const pieceLists = new PieceLists(join(state.dir, 'pieces'), cache);
    await pieceLists.init();
    // P2P (off without a scheduler): the peer serves this cache and is every mount's peer source.
    const peer = await startDaemonPeer(config.p2p, { cache, fetcher, metrics: metrics.registry, stateDir: state.dir, pieceList: (id) => pieceLists.servable(id) });
    if (peer !== undefined) cleanups.push(() => peer.close());
    const mirror = await startMirror(config.mirror, { cache, pieceLists, metrics: metrics.registry, ...(peer !== undefined ? { peer } : {}) });
    if (mirror !== undefined) cleanups.push(() => mirror.close());
    if (peer !== undefined && mirror !== undefined) {
      peer.plainImagePreheat = (imageRef) => {
        const ref = parseReference(imageRef);
        if (ref.transport !== 'docker') throw new UsageError(`${imageRef} is not a registry reference`);
        return preheatThroughMirror(mirror.address, imageRef, { registry: ref.registry, repository: ref.repository, reference: ref.digest ?? ref.tag ?? DEFAULT_TAG });
      };
      peer.filePreheat = (url, digest) => preheatFileThroughMirror(mirror.address, url, digest);
    }
    const mounts = new MountManager({
      fetcher,
      state,
      fuse: { allowOther: config.fuse.allowOther, maxRead: config.fuse.maxRead, cacheTimeout: config.fuse.cacheTimeout },
      mode: config.fuse.mode,
      erofsDirectIo: config.fuse.erofsDirectIo,
      pipelining: config.fetch.pipelining,
      readTimeoutMs: config.fuse.readTimeoutMs,
      prefetch: config.prefetch,
      observer: metrics.fsObserver(),
      ...(peer !== undefined ? { peer: peer.source, bulkReadStart: (ranges: number) => bulkReadStart(peer.scheduler.hostId, ranges) } : {}),
      ...(keeper !== undefined ? { keeper } : {}),
      onTakeover: (result) => {
        takeovers[result] += 1;
        metrics.takeovers.inc({ result });
      },
    });
    manager = mounts;
    let handedOver = false;
    cleanups.push(async () => {
      if (!handedOver) await mounts.closeAll();
    });
    await mounts.restore();
    keeper?.dropUntaken();
    // Only now: a pass during the restore could evict the blobs of a mount not restored yet.
    const limit = new CacheLimit({ cache, maxBytes: config.cache.maxSize, inUse: () => mounts.referencedBlobs(), metrics: metrics.registry });
    cleanups.push(() => limit.close());
    limit.check();

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
      ...(mirror !== undefined ? { mirror: mirror.address } : {}),
      ...(peer !== undefined ? { p2p: { hostId: peer.scheduler.hostId, peerUrl: peer.peerUrl, scheduler: peer.scheduler.address, state: peer.scheduler.state } } : {}),
      failover: { keeper: keeper?.socket ?? null, ...takeovers },
    });
    const cacheList = async (): Promise<CacheListing> => ({ ...cacheListingOf(await cache.usage()), maxBytes: config.cache.maxSize });
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
        deleteMount: async (id) => {
          await mounts.unmount(id);
          // Its blobs may be evicted now.
          limit.check();
        },
        mountAt: async (mountpoint) => (await mounts.findByMountpoint(mountpoint))?.id,
        cacheList,
        cacheGc,
        stopRecording: (id) => mounts.stopRecording(id),
        ...(keeper !== undefined
          ? {
              handover: async () => {
                handedOver = true;
                log.info({ mounts: mounts.size }, 'handing over to a new daemon: exiting without unmounting (the fd keeper holds the connections)');
                // Exit as a crash would: no unmount, no cleanup that touches the mounts; the new
                // daemon serves them again and the kernel resends what this one had read.
                return { answer: { pid: process.pid, mounts: mounts.size }, afterReply: () => process.exit(0) };
              },
            }
          : {}),
      },
      (method, route, status) => metrics.apiRequests.inc({ method: metricLabel(method), route, status: String(status) }),
    );
    // The API goes first on the way down: no request may arrive while mounts are released.
    cleanups.push(() => control.close());
    log.info({ socket: control.socket, cacheDir: cache.dir, stateDir: state.dir, mounts: mounts.size, version: darnerVersion() }, 'daemon started');

    let stopping: Promise<boolean> | undefined;
    return {
      config,
      socket: control.socket,
      metricsAddress,
      mounts,
      metrics,
      stop(options = {}) {
        stopping ??= (async () => {
          if (options.keepMounts === true && keeper !== undefined) {
            handedOver = true;
            log.info({ mounts: mounts.size }, 'daemon stopping: the mounts stay for the next daemon (the fd keeper holds the connections)');
          } else {
            log.info('daemon stopping');
          }
          await unwind();
          log.info('daemon stopped');
          return handedOver;
        })();
        return stopping;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/**
 * Live upgrade (`darner daemon --takeover`): asks the daemon on the socket to hand over, and waits
 * until it has exited (its mounts stay, their connections with the fd keeper). Returns at once
 * when no daemon answers (a start after a crash takes over the same way, from the keeper).
 */
export async function takeOverFrom(config: DaemonConfig, timeoutMs = 30_000): Promise<void> {
  const socket = resolvePath(config.socket);
  if (config.failover.keeper === 'off') throw new TakeoverError('--takeover needs an fd keeper ([failover] keeper is "off")');
  const client = new DaemonClient(socket, { timeoutMs });
  let pid: number;
  try {
    ({ pid } = await client.handover());
  } catch (err) {
    if (err instanceof DaemonUnavailableError) return;
    if (err instanceof DaemonApiError && err.status === 404) throw new TakeoverError(`the daemon on ${socket} cannot hand over (it has no fd keeper, or predates handover): stop it, or restart it with [failover] keeper set`);
    throw new TakeoverError(`the daemon on ${socket} did not hand over: ${(err as Error).message}`, { cause: err });
  } finally {
    await client.close();
  }
  const deadline = Date.now() + timeoutMs;
  // Until it is gone entirely: an exiting daemon still holds its control socket.
  while (signalZero(pid)) {
    if (Date.now() > deadline) throw new TakeoverError(`the daemon on ${socket} (pid ${pid}) did not exit ${timeoutMs} ms after handing over`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  log.info({ pid }, 'the previous daemon handed over and exited');
}


/** Runs a daemon until SIGTERM or SIGINT, then stops it cleanly; with `takeover`, after the running one handed over. */
export async function runDaemon(config: DaemonConfig, options: { takeover?: boolean } = {}): Promise<void> {
  // The daemon hosts every mount of the node: a stray rejection is logged, never fatal to them.
  process.on('unhandledRejection', (reason) => log.error({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection'));
  if (options.takeover === true) await takeOverFrom(config);
  const daemon = await startDaemon(config);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'signal received');
  const kept = await daemon.stop({ keepMounts: config.failover.stop === 'keep' });
  // The blob devices' FUSE threads would keep the process alive: leave as a handover does.
  if (kept) process.exit(0);
}

