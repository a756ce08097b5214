/**
 * Assembles a scheduler process from a validated SchedulerProcessConfig: the store (memory or
 * Redis), the service, the gRPC server and the metrics endpoint; and takes it apart in order.
 * `darner scheduler` uses it, and so can tests that want a scheduler in-process.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import { log } from '../../log.js';
import { formatHostPort, parseHostPort } from '../address.js';
import { MemoryStore } from './memory-store.js';
import { SchedulerMetrics } from './metrics.js';
import { RedisStore } from './redis-store.js';
import { SchedulerServer } from './server.js';
import { SchedulerService } from './service.js';
export async function startScheduler(cfg, token) {
    const tls = cfg.tls === undefined ? undefined : await readTls(cfg.tls);
    const store = cfg.redis !== undefined
        ? await RedisStore.connect({ url: cfg.redis, prefix: cfg.redisPrefix, maxHoldersPerChunk: cfg.scheduling.maxHoldersPerChunk })
        : new MemoryStore({ maxHoldersPerChunk: cfg.scheduling.maxHoldersPerChunk });
    let server;
    let metricsServer;
    try {
        const service = new SchedulerService({ store, config: cfg.scheduling });
        const metrics = new SchedulerMetrics(() => service.counts());
        let metricsAddress;
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
                    await new Promise((resolve) => httpServer.close(() => resolve()));
                }
                await store.close();
            },
        };
    }
    catch (err) {
        await server?.stop(0);
        metricsServer?.close();
        await store.close();
        throw err;
    }
}
async function readTls(files) {
    const load = async (what, path) => {
        try {
            return await readFile(path);
        }
        catch (err) {
            throw new ConfigError(`TLS ${what} ${path}: ${err.message}`, { cause: err });
        }
    };
    const tls = { cert: await load('certificate', files.cert), key: await load('key', files.key) };
    if (files.clientCa !== undefined)
        tls.clientCa = await load('client CA', files.clientCa);
    return tls;
}
//# sourceMappingURL=process.js.map