/**
 * CLI verbs of the P2P control plane: `darner scheduler` (the cluster service) and
 * `darner preheat` (ask a seed peer to fetch an image ahead of demand). The work (grpc, the
 * scheduler, its stores) is imported when a verb runs, so that `darner` starts quickly.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { firstSignal } from '../cli/signals.js';
import { ConfigError, UsageError } from '../errors.js';
import { log, setLogLevel } from '../log.js';
import { parseHostPort } from './address.js';
import type { SchedulerTls } from './scheduler-client.js';
import {
  DEFAULT_LISTEN,
  defaultProcessConfig,
  parseProcessConfig,
  validateProcessConfig,
  type SchedulerProcessConfig,
} from './scheduler/config.js';

interface SchedulerFlags {
  listen?: string;
  redis?: string;
  redisPrefix?: string;
  metrics?: string;
  peerTokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  config?: string;
}

interface PreheatFlags {
  scheduler: string;
  peerTokenFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  label: string[];
  timeout: string;
}

export function register(program: Command): void {
  program
    .command('scheduler')
    .description('run the P2P scheduler: tells peers which other peers hold the chunks they miss, and elects one peer per chunk to fetch from the origin')
    .option('--listen <addr>', `gRPC listen address host:port (default ${DEFAULT_LISTEN})`)
    .option('--redis <url>', 'share state with other replicas through Redis (redis://host:port[/db]); in-memory when absent')
    .option('--redis-prefix <prefix>', 'Redis key prefix (default darner:p2p:)')
    .option('--metrics <addr>', 'serve Prometheus /metrics and /healthz on host:port')
    .option('--peer-token-file <file>', 'require this shared token from every caller (or set DARNER_PEER_TOKEN)')
    .option('--tls-cert <file>', 'serve TLS with this PEM certificate chain')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--tls-client-ca <file>', 'require client certificates signed by this PEM CA (mTLS)')
    .option('--config <file>', 'TOML configuration file (flags override it); see docs/p2p.md')
    .action(async (flags: SchedulerFlags) => {
      const cfg = await schedulerConfig(flags);
      const token = await schedulerToken(flags, cfg);
      const { startScheduler } = await import('./scheduler/process.js');
      const running = await startScheduler(cfg, token);
      // The address line on stdout lets scripts (and tests) learn a port chosen with :0.
      process.stdout.write(`scheduler listening on ${running.address}\n`);
      const signal = await firstSignal();
      log.info({ signal }, 'scheduler stopping');
      await running.stop();
    });

  program
    .command('preheat')
    .description('ask a seed peer to fetch an image\'s blobs ahead of demand')
    .argument('<ref>', 'image reference, e.g. registry.example.com/app:1.2')
    .addOption(new Option('--scheduler <addrs>', 'scheduler address host:port; several comma-separated for failover')
      .env('DARNER_SCHEDULER').default('127.0.0.1:8002'))
    .option('--peer-token-file <file>', 'shared token file (or set DARNER_PEER_TOKEN)')
    .option('--tls-ca <file>', 'talk TLS; verify the scheduler with this PEM CA')
    .option('--tls-cert <file>', 'client certificate (PEM) for a scheduler that requires mTLS')
    .option('--tls-key <file>', 'client key (PEM) for --tls-cert')
    .option('--tls-server-name <name>', 'name to expect in the scheduler\'s certificate')
    .option('--label <key=value>', 'prefer a seed with this label (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--timeout <ms>', 'deadline of the call', '5000')
    .action(async (ref: string, flags: PreheatFlags) => {
      setLogLevel('warn');
      const addresses = flags.scheduler.split(',').map((a) => a.trim()).filter((a) => a !== '');
      for (const a of addresses) parseHostPort(a, '--scheduler');
      const labels: Record<string, string> = {};
      for (const l of flags.label) {
        const at = l.indexOf('=');
        if (at <= 0) throw new UsageError(`--label ${JSON.stringify(l)} must be key=value`);
        labels[l.slice(0, at)] = l.slice(at + 1);
      }
      const timeout = Number(flags.timeout);
      if (!Number.isInteger(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
      const { readTokenFile } = await import('./scheduler/process.js');
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
        const res = await admin.preheat(ref, labels);
        process.stdout.write(`preheat task ${res.taskId} queued on seed ${res.seedHostId}\n`);
      } finally {
        admin.close();
      }
    });
}

async function schedulerConfig(flags: SchedulerFlags): Promise<SchedulerProcessConfig> {
  let cfg = defaultProcessConfig();
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (err) {
      throw new ConfigError(`config file ${flags.config}: ${(err as Error).message}`, { cause: err });
    }
    cfg = parseProcessConfig(text, flags.config);
  }
  if (flags.listen !== undefined) cfg.listen = flags.listen;
  if (flags.redis !== undefined) cfg.redis = flags.redis;
  if (flags.redisPrefix !== undefined) cfg.redisPrefix = flags.redisPrefix;
  if (flags.metrics !== undefined) cfg.metrics = flags.metrics;
  if (flags.peerTokenFile !== undefined) cfg.peerTokenFile = flags.peerTokenFile;
  if (flags.tlsCert !== undefined || flags.tlsKey !== undefined || flags.tlsClientCa !== undefined) {
    if (flags.tlsCert === undefined || flags.tlsKey === undefined) throw new UsageError('--tls-cert and --tls-key go together');
    cfg.tls = { cert: flags.tlsCert, key: flags.tlsKey, ...(flags.tlsClientCa !== undefined ? { clientCa: flags.tlsClientCa } : {}) };
  }
  validateProcessConfig(cfg);
  return cfg;
}

/** --peer-token-file, else DARNER_PEER_TOKEN, else the config file's peer_token_file. */
async function schedulerToken(flags: SchedulerFlags, cfg: SchedulerProcessConfig): Promise<string | undefined> {
  const { readTokenFile } = await import('./scheduler/process.js');
  if (flags.peerTokenFile !== undefined) return readTokenFile(flags.peerTokenFile);
  const env = envToken();
  if (env !== undefined) return env;
  if (cfg.peerTokenFile !== undefined) return readTokenFile(cfg.peerTokenFile);
  return undefined;
}

function envToken(): string | undefined {
  const token = process.env.DARNER_PEER_TOKEN?.trim();
  return token === undefined || token === '' ? undefined : token;
}

async function clientTls(flags: PreheatFlags): Promise<SchedulerTls | undefined> {
  if (flags.tlsCa === undefined && flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const load = async (path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new ConfigError(`${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const tls: SchedulerTls = {};
  if (flags.tlsCa !== undefined) tls.ca = await load(flags.tlsCa);
  if (flags.tlsCert !== undefined) tls.cert = await load(flags.tlsCert);
  if (flags.tlsKey !== undefined) tls.key = await load(flags.tlsKey);
  if (flags.tlsServerName !== undefined) tls.serverName = flags.tlsServerName;
  return tls;
}
