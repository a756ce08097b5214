/**
 * `darner scheduler` configuration: one typed schema with documented defaults, read from an
 * optional TOML file (--config) and overridden by flags, validated once, then turned into
 * constructor options at the edge (the core never parses anything).
 *
 *   listen = "0.0.0.0:8002"            # gRPC address (8002: the port Dragonfly's scheduler uses)
 *   metrics = "127.0.0.1:8003"         # Prometheus /metrics and /healthz; off when absent
 *   redis = "redis://127.0.0.1:6379"   # shared state for replicas; in-memory when absent
 *   redis_prefix = "darner:p2p:"
 *   peer_token_file = "/etc/darner/peer-token"   # or DARNER_PEER_TOKEN
 *   [tls]                              # plaintext when absent
 *   cert = "/etc/darner/scheduler.pem"
 *   key = "/etc/darner/scheduler-key.pem"
 *   client_ca = "/etc/darner/peers-ca.pem"       # require client certificates (mTLS)
 *   [scheduling]                       # see SchedulerConfig in ./model.ts
 *   keepalive_interval_ms = 5000
 *   peer_ttl_ms = 20000
 *   lease_ttl_ms = 30000
 *   max_parents = 4
 *   bad_peer_ms = 3600000
 *   history_ttl_ms = 86400000
 *   history_alpha = 0.3
 *   locality_keys = ["region", "zone", "rack"]
 *   task_ttl_ms = 3600000
 *   [scheduling.weights]
 *   locality = 0.4
 *   load = 0.3
 *   history = 0.25
 *   seed = 0.05
 */
import { parse as parseToml } from 'smol-toml';
import { ConfigError, DarnerError } from '../../errors.js';
import { parseHostPort } from '../address.js';
import { DEFAULT_SCHEDULER_CONFIG, type SchedulerConfig } from './model.js';

export interface SchedulerProcessConfig {
  listen: string;
  metrics?: string;
  redis?: string;
  redisPrefix: string;
  peerTokenFile?: string;
  tls?: { cert: string; key: string; clientCa?: string };
  scheduling: SchedulerConfig;
}

export const DEFAULT_LISTEN = '0.0.0.0:8002';

export function defaultProcessConfig(): SchedulerProcessConfig {
  return {
    listen: DEFAULT_LISTEN,
    redisPrefix: 'darner:p2p:',
    scheduling: { ...DEFAULT_SCHEDULER_CONFIG, localityKeys: [...DEFAULT_SCHEDULER_CONFIG.localityKeys], weights: { ...DEFAULT_SCHEDULER_CONFIG.weights } },
  };
}

/** Reads a TOML config over the defaults. Unknown keys are errors (a typo must not pass silently). */
export function parseProcessConfig(text: string, source: string): SchedulerProcessConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`, { cause: err });
  }
  const cfg = defaultProcessConfig();
  const where = (key: string) => `${source}: ${key}`;
  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'listen': cfg.listen = str(value, where(key)); break;
      case 'metrics': cfg.metrics = str(value, where(key)); break;
      case 'redis': cfg.redis = str(value, where(key)); break;
      case 'redis_prefix': cfg.redisPrefix = str(value, where(key)); break;
      case 'peer_token_file': cfg.peerTokenFile = str(value, where(key)); break;
      case 'tls': {
        const t = table(value, where(key));
        const cert = t.cert === undefined ? undefined : str(t.cert, where('tls.cert'));
        const keyFile = t.key === undefined ? undefined : str(t.key, where('tls.key'));
        const clientCa = t.client_ca === undefined ? undefined : str(t.client_ca, where('tls.client_ca'));
        for (const k of Object.keys(t)) if (!['cert', 'key', 'client_ca'].includes(k)) throw new ConfigError(`${where(`tls.${k}`)}: unknown key`);
        if (cert === undefined || keyFile === undefined) throw new ConfigError(`${where(key)}: cert and key are both required`);
        cfg.tls = { cert, key: keyFile, ...(clientCa !== undefined ? { clientCa } : {}) };
        break;
      }
      case 'scheduling': applyScheduling(cfg.scheduling, table(value, where(key)), source); break;
      default: throw new ConfigError(`${where(key)}: unknown key`);
    }
  }
  return cfg;
}

function applyScheduling(s: SchedulerConfig, t: Record<string, unknown>, source: string): void {
  const where = (key: string) => `${source}: scheduling.${key}`;
  const numbers: Record<string, keyof SchedulerConfig> = {
    keepalive_interval_ms: 'keepaliveIntervalMs',
    peer_ttl_ms: 'peerTtlMs',
    lease_ttl_ms: 'leaseTtlMs',
    max_parents: 'maxParents',
    bad_peer_ms: 'badPeerMs',
    history_ttl_ms: 'historyTtlMs',
    history_alpha: 'historyAlpha',
    task_ttl_ms: 'taskTtlMs',
  };
  for (const [key, value] of Object.entries(t)) {
    const field = numbers[key];
    if (field !== undefined) {
      (s as unknown as Record<string, number>)[field] = num(value, where(key));
    } else if (key === 'locality_keys') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
        throw new ConfigError(`${where(key)}: must be a list of label names`);
      }
      s.localityKeys = value as string[];
    } else if (key === 'weights') {
      for (const [w, v] of Object.entries(table(value, where(key)))) {
        if (!(w in s.weights)) throw new ConfigError(`${where(`weights.${w}`)}: unknown key`);
        s.weights[w as keyof SchedulerConfig['weights']] = num(v, where(`weights.${w}`));
      }
    } else {
      throw new ConfigError(`${where(key)}: unknown key`);
    }
  }
}

/** Checks every rule; throws ConfigError naming the first broken one. */
export function validateProcessConfig(cfg: SchedulerProcessConfig): void {
  wrapUsage(() => parseHostPort(cfg.listen, 'listen', true));
  if (cfg.metrics !== undefined) wrapUsage(() => parseHostPort(cfg.metrics!, 'metrics', true));
  if (cfg.redis !== undefined && !/^rediss?:\/\//.test(cfg.redis)) {
    throw new ConfigError(`redis ${JSON.stringify(cfg.redis)} must be a redis:// or rediss:// URL`);
  }
  if (cfg.redisPrefix.length === 0 || cfg.redisPrefix.length > 128) throw new ConfigError('redis_prefix must be 1..128 characters');
  validateScheduling(cfg.scheduling);
}

export function validateScheduling(s: SchedulerConfig): void {
  const intIn = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`scheduling.${name} = ${v}: must be an integer in ${min}..${max}`);
  };
  intIn('keepalive_interval_ms', s.keepaliveIntervalMs, 100, 600_000);
  intIn('peer_ttl_ms', s.peerTtlMs, 200, 3_600_000);
  if (s.peerTtlMs < 2 * s.keepaliveIntervalMs) {
    throw new ConfigError(`scheduling.peer_ttl_ms (${s.peerTtlMs}) must be at least twice keepalive_interval_ms (${s.keepaliveIntervalMs}), or one late heartbeat expires a live peer`);
  }
  intIn('lease_ttl_ms', s.leaseTtlMs, 100, 3_600_000);
  intIn('max_parents', s.maxParents, 1, 32);
  intIn('bad_peer_ms', s.badPeerMs, 0, 30 * 86_400_000);
  intIn('history_ttl_ms', s.historyTtlMs, 1000, 365 * 86_400_000);
  intIn('task_ttl_ms', s.taskTtlMs, 1000, 30 * 86_400_000);
  if (!(s.historyAlpha > 0 && s.historyAlpha <= 1)) throw new ConfigError(`scheduling.history_alpha = ${s.historyAlpha}: must be in (0, 1]`);
  const w = Object.values(s.weights);
  if (w.some((x) => !(x >= 0) || !Number.isFinite(x)) || w.reduce((a, b) => a + b, 0) <= 0) {
    throw new ConfigError('scheduling.weights: each must be ≥ 0 and their sum > 0');
  }
}

function wrapUsage(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof DarnerError) throw new ConfigError(err.message);
    throw err;
  }
}

function str(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${where}: must be a non-empty string`);
  return value;
}

function num(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(`${where}: must be a number`);
  return value;
}

function table(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where}: must be a table`);
  return value as Record<string, unknown>;
}
