/**
 * Assembles a scheduler process from a validated SchedulerProcessConfig: the store (memory or
 * Redis), the service, the gRPC server and the metrics endpoint; and takes it apart in order.
 * `darner scheduler` uses it, and so can tests that want a scheduler in-process.
 */
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { ConfigError } from '../../errors.js';
import { log } from '../../log.js';
import { formatHostPort, parseHostPort } from '../address.js';
import type { SchedulerProcessConfig } from './config.js';
import { MemoryStore } from './memory-store.js';
import { SchedulerMetrics } from './metrics.js';
import { RedisStore } from './redis-store.js';
import { SchedulerServer, type SchedulerTlsFiles } from './server.js';
import { SchedulerService } from './service.js';
import type { StateStore } from './store.js';

export interface RunningScheduler {
  /** gRPC address actually bound (host:port). */
  address: string;
  /** Metrics address actually bound, when enabled. */
  metricsAddress?: string;
  service: SchedulerService;
  stop(): Promise<void>;
}

export async function startScheduler(cfg: SchedulerProcessConfig, token: string | undefined): Promise<RunningScheduler> {
  const tls = cfg.tls === undefined ? undefined : await readTls(cfg.tls);
  const store: StateStore = cfg.redis !== undefined
    ? await RedisStore.connect({ url: cfg.redis, prefix: cfg.redisPrefix, maxHoldersPerChunk: cfg.scheduling.maxHoldersPerChunk })
    : new MemoryStore({ maxHoldersPerChunk: cfg.scheduling.maxHoldersPerChunk });
  let server: SchedulerServer | undefined;
  let metricsServer: Server | undefined;
  try {
    const service = new SchedulerService({ store, config: cfg.scheduling });
    const metrics = new SchedulerMetrics(() => service.counts());
    let metricsAddress: string | undefined;
    if (cfg.metrics !== undefined) {
      const { host, port } = parseHostPort(cfg.metrics, 'metrics', true);
      metricsServer = await metrics.serve(host, port);
      const bound = metricsServer.address();
      metricsAddress = formatHostPort({ host, port: typeof bound === 'object' && bound !== null ? bound.port : port });
      log.info({ address: metricsAddress }, 'metrics listening');
    }
    server = await SchedulerServer.start({ service, listen: cfg.listen, token, tls, metrics });
    const grpcServer = server;
    const httpServer = metricsServer;
    return {
      address: server.address,
      ...(metricsAddress !== undefined ? { metricsAddress } : {}),
      service,
      stop: async () => {
        await grpcServer.stop();
        if (httpServer !== undefined) {
          httpServer.closeAllConnections();
          await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        }
        await store.close();
      },
    };
  } catch (err) {
    await server?.stop(0);
    metricsServer?.close();
    await store.close();
    throw err;
  }
}

async function readTls(files: { cert: string; key: string; clientCa?: string }): Promise<SchedulerTlsFiles> {
  const load = async (what: string, path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new ConfigError(`TLS ${what} ${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const tls: SchedulerTlsFiles = { cert: await load('certificate', files.cert), key: await load('key', files.key) };
  if (files.clientCa !== undefined) tls.clientCa = await load('client CA', files.clientCa);
  return tls;
}
