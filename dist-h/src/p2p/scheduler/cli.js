/**
 * `darner scheduler`: the P2P cluster service. The gRPC server and its stores are imported when
 * the verb runs, so that `darner` starts quickly.
 */
import { readFile } from 'node:fs/promises';
import { firstSignal } from '../../signals.js';
import { ConfigError, UsageError } from '../../errors.js';
import { log } from '../../log.js';
import { envToken, readTokenFile } from '../token-file.js';
import { DEFAULT_LISTEN, defaultProcessConfig, parseProcessConfig, validateProcessConfig, } from './config.js';
export function register(program) {
    program
        .command('scheduler')
        .description('run the P2P scheduler: tells peers which other peers hold the chunks they miss, and elects one peer per chunk to fetch from the origin')
        .option('--listen <addr>', `gRPC listen address host:port (default: ${DEFAULT_LISTEN})`)
        .option('--redis <url>', 'share state with other replicas through Redis (redis://host:port[/db]); in-memory when absent')
        .option('--redis-prefix <prefix>', 'Redis key prefix (default: darner:p2p:)')
        .option('--metrics <addr>', 'serve Prometheus /metrics and /healthz on host:port')
        .option('--peer-token-file <file>', 'require this shared token from every caller (or set DARNER_PEER_TOKEN)')
        .option('--tls-cert <file>', 'serve TLS with this PEM certificate chain')
        .option('--tls-key <file>', 'PEM private key for --tls-cert')
        .option('--tls-client-ca <file>', 'require client certificates signed by this PEM CA (mTLS)')
        .option('--config <file>', 'TOML configuration file (flags override it); see docs/p2p.md')
        .action(async (flags) => {
        const cfg = await schedulerConfig(flags);
        const token = await schedulerToken(flags, cfg);
        const { startScheduler } = await import('./process.js');
        const running = await startScheduler(cfg, token);
        // The address line on stdout lets scripts (and tests) learn a port chosen with :0.
        process.stdout.write(`scheduler listening on ${running.address}\n`);
        const signal = await firstSignal();
        log.info({ signal }, 'scheduler stopping');
        await running.stop();
    });
}
async function schedulerConfig(flags) {
    let cfg = defaultProcessConfig();
    if (flags.config !== undefined) {
        let text;
        try {
            text = await readFile(flags.config, 'utf8');
        }
        catch (err) {
            throw new ConfigError(`config file ${flags.config}: ${err.message}`, { cause: err });
        }
        cfg = parseProcessConfig(text, flags.config);
    }
    if (flags.listen !== undefined)
        cfg.listen = flags.listen;
    if (flags.redis !== undefined)
        cfg.redis = flags.redis;
    if (flags.redisPrefix !== undefined)
        cfg.redisPrefix = flags.redisPrefix;
    if (flags.metrics !== undefined)
        cfg.metrics = flags.metrics;
    if (flags.peerTokenFile !== undefined)
        cfg.peerTokenFile = flags.peerTokenFile;
    if (flags.tlsCert !== undefined || flags.tlsKey !== undefined || flags.tlsClientCa !== undefined) {
        if (flags.tlsCert === undefined || flags.tlsKey === undefined)
            throw new UsageError('--tls-cert and --tls-key go together');
        cfg.tls = { cert: flags.tlsCert, key: flags.tlsKey, ...(flags.tlsClientCa !== undefined ? { clientCa: flags.tlsClientCa } : {}) };
    }
    validateProcessConfig(cfg, flags.config === undefined ? 'flags' : `${flags.config} with flags`);
    return cfg;
}
/** --peer-token-file, else DARNER_PEER_TOKEN, else the config file's peer_token_file. */
async function schedulerToken(flags, cfg) {
    if (flags.peerTokenFile !== undefined)
        return readTokenFile(flags.peerTokenFile);
    const env = envToken();
    if (env !== undefined)
        return env;
    if (cfg.peerTokenFile !== undefined)
        return readTokenFile(cfg.peerTokenFile);
    return undefined;
}
//# sourceMappingURL=cli.js.map