/**
 * `darner daemon` configuration: one typed schema with documented defaults and validate(), read
 * from an optional TOML or JSON file (`--config`; JSON when the name ends in .json) with flags
 * applied on top; the daemon's parts get plain constructor options from it and never parse files.
 * Keys are snake_case in files; unknown keys are errors (a typo must not pass silently).
 *
 *   socket = "/run/darner/daemon.sock"      # control API (HTTP+JSON), mode 0660
 *   cache_dir = "/var/lib/darner/cache"      # the blob cache shared by every mount
 *   state_dir = "/var/lib/darner/daemon"     # mounts.json, saved bootstraps, default mount points
 *   metrics = "127.0.0.1:9465"               # Prometheus /metrics; off when absent
 *   log_level = "info"
 *
 *   [fetch]
 *   max_concurrent = 8            # range requests in flight, over every image
 *   max_request_bytes = 1048576   # merge size: adjacent absent chunks share one request up to this
 *   read_ahead = true             # fill on-demand requests with the chunks that follow
 *   sequential_read_ahead = 4194304  # bytes fetched ahead of reads walking a blob in order (0: off)
 *   pipelining = 4                # registry range requests in flight per connection (1: none pipelined)
 *   timeout_ms = 30000            # a read waiting on absent chunks fails (EIO) after this
 *   retry_base_delay_ms = 100     # backoff between origin retries, doubling
 *   retry_max_delay_ms = 2000
 *
 *   [prefetch]
 *   enabled = true                # fetch each image's prefetch list when it is mounted
 *   all = false                   # fetch every chunk of every image in the background
 *   bandwidth = 20971520          # bytes/s for prefetch_all (0: unlimited)
 *
 *   [fuse]
 *   mode = "auto"                 # erofs: the kernel's EROFS mounts the bootstrap, FUSE serves only
 *                                 # blob bytes; fuse: FUSE answers everything; auto: erofs when
 *                                 # the kernel mounts file-backed EROFS, else fuse (docs/daemon.md)
 *   read_timeout_ms = 60000       # a FUSE read not answered by then gets EIO, whatever the fetch does
 *   max_read = 131072             # largest read request (libfuse 2 allows up to 131072)
 *   cache_timeout = 86400         # seconds the kernel caches names and attributes (images never change)
 *   allow_other = true            # other users (containers) may use the mounts
 *
 *   [p2p]                         # off unless `scheduler` is set (docs/p2p.md, "The peer")
 *   scheduler = ["sched-a:8002"]  # scheduler replicas, failover order
 *   listen = "0.0.0.0:8010"       # the peer server (other peers fetch cached ranges here)
 *   advertise = "http://10.0.0.17:8010"  # the URL other peers use (default: from listen / host name)
 *   host_id = "node-17"           # default: a random id kept in the state dir
 *   seed = false                  # receive preheat tasks
 *   token_file = "/etc/darner/peer-token"  # the cluster's shared token (or DARNER_PEER_TOKEN)
 *   insecure = false              # serve peers without token or mTLS (refused to start otherwise)
 *   max_uploads = 16              # concurrent uploads; beyond: 503 (0: never serve)
 *   upload_bandwidth = 0          # bytes/s over all uploads (0: unlimited)
 *   min_upload_rate = 65536       # a requester taking fewer bytes/s than this ...
 *   upload_rate_window_ms = 10000 # ... over this long of waiting for it loses its upload (0: off)
 *   download_bandwidth = 0        # bytes/s over all downloads from peers (0: unlimited)
 *   min_peer_throughput = 1000000 # a parent slower than this (bytes/s) is abandoned
 *   resolve_timeout_ms = 500      # a scheduler slower than this: the range goes to the origin
 *   labels = { zone = "eu-1a", rack = "r3" }   # locality (region, zone, rack)
 *   tls_cert = "…"; tls_key = "…"; tls_ca = "…" # TLS for the data plane and the scheduler (mTLS with tls_ca)
 */
import { isAbsolute } from 'node:path';
import { parseConfigText, readConfigFile } from '../config-file.js';
import { ConfigError } from '../errors.js';
import { parseHostPort } from '../p2p/address.js';
import type { P2PConfig } from '../p2p/daemon-peer.js';

export interface DaemonConfig {
  socket: string;
  cacheDir: string;
  stateDir: string;
  /** host:port of the metrics endpoint; none when undefined. */
  metrics?: string;
  logLevel?: string;
  fetch: {
    maxConcurrent: number;
    maxRequestBytes: number;
    readAhead: boolean;
    sequentialReadAhead: number;
    /** HTTP/1.1 requests in flight per registry connection. */
    pipelining: number;
    timeoutMs: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
  };
  prefetch: {
    enabled: boolean;
    all: boolean;
    /** Bytes per second; 0 means unlimited. */
    bandwidth: number;
  };
  fuse: {
    /** How an image is mounted: see MountMode. */
    mode: MountMode;
    readTimeoutMs: number;
    maxRead: number;
    cacheTimeout: number;
    allowOther: boolean;
  };
  p2p: P2PConfig;
}

export type { P2PConfig };

/**
 * erofs: the kernel's EROFS mounts the bootstrap (file-backed) with FUSE blob devices under it,
 * so only data reads reach the daemon; fuse: FUSE answers every operation; auto: erofs where
 * the kernel can (tried per mount), else fuse.
 */
export type MountMode = 'auto' | 'erofs' | 'fuse';
export const MOUNT_MODES: readonly MountMode[] = ['auto', 'erofs', 'fuse'];

export const DEFAULT_SOCKET = '/run/darner/daemon.sock';

export function defaultDaemonConfig(): DaemonConfig {
  return {
    socket: DEFAULT_SOCKET,
    cacheDir: '/var/lib/darner/cache',
    stateDir: '/var/lib/darner/daemon',
    fetch: { maxConcurrent: 8, maxRequestBytes: 1 << 20, readAhead: true, sequentialReadAhead: 4 << 20, pipelining: 4, timeoutMs: 30_000, retryBaseDelayMs: 100, retryMaxDelayMs: 2000 },
    prefetch: { enabled: true, all: false, bandwidth: 20 << 20 },
    fuse: { mode: 'auto', readTimeoutMs: 60_000, maxRead: 131072, cacheTimeout: 86400, allowOther: true },
    p2p: { schedulers: [], listen: '0.0.0.0:8010', seed: false, insecure: false, maxUploads: 16, uploadBandwidth: 0, minUploadRate: 65_536, uploadRateWindowMs: 10_000, downloadBandwidth: 0, minPeerThroughput: 1_000_000, resolveTimeoutMs: 500, labels: {} },
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Checks every rule of a complete config; the message names the key and the rule. */
export function validateDaemonConfig(c: DaemonConfig, source = 'config'): DaemonConfig {
  const fail = (key: string, rule: string): never => {
    throw new ConfigError(`${source}: ${key} ${rule}`);
  };
  for (const [key, value] of [
    ['socket', c.socket],
    ['cache_dir', c.cacheDir],
    ['state_dir', c.stateDir],
  ] as const) {
    if (value === '') fail(key, 'must not be empty');
    if (!isAbsolute(value)) fail(key, `must be an absolute path, got ${JSON.stringify(value)}`);
  }
  // A unix socket path is at most 107 bytes (sun_path).
  if (Buffer.byteLength(c.socket) > 107) fail('socket', `is longer than a unix socket path may be (107 bytes)`);
  if (c.metrics !== undefined) {
    try {
      parseHostPort(c.metrics, 'metrics', true);
    } catch (err) {
      fail('metrics', (err as Error).message.replace(/^metrics /, ''));
    }
  }
  if (c.logLevel !== undefined && !LOG_LEVELS.includes(c.logLevel)) fail('log_level', `must be one of ${LOG_LEVELS.join(', ')}`);
  const int = (key: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max) fail(key, `must be an integer from ${min} to ${max}, got ${v}`);
  };
  int('fetch.max_concurrent', c.fetch.maxConcurrent, 1, 1024);
  int('fetch.max_request_bytes', c.fetch.maxRequestBytes, 4096, 1 << 30);
  int('fetch.sequential_read_ahead', c.fetch.sequentialReadAhead, 0, 1 << 30);
  int('fetch.pipelining', c.fetch.pipelining, 1, 64);
  int('fetch.timeout_ms', c.fetch.timeoutMs, 1, 3_600_000);
  int('fetch.retry_base_delay_ms', c.fetch.retryBaseDelayMs, 0, 600_000);
  int('fetch.retry_max_delay_ms', c.fetch.retryMaxDelayMs, 0, 600_000);
  if (c.fetch.retryMaxDelayMs < c.fetch.retryBaseDelayMs) fail('fetch.retry_max_delay_ms', 'must not be less than fetch.retry_base_delay_ms');
  int('prefetch.bandwidth', c.prefetch.bandwidth, 0);
  if (!MOUNT_MODES.includes(c.fuse.mode)) fail('fuse.mode', `must be one of ${MOUNT_MODES.join(', ')}, got ${JSON.stringify(c.fuse.mode)}`);
  int('fuse.read_timeout_ms', c.fuse.readTimeoutMs, 1, 3_600_000);
  int('fuse.max_read', c.fuse.maxRead, 4096, 131072);
  int('fuse.cache_timeout', c.fuse.cacheTimeout, 0, 365 * 86400);
  validateP2P(c.p2p, fail);
  return c;
}

function validateP2P(p: P2PConfig, fail: (key: string, rule: string) => never): void {
  for (const a of p.schedulers) {
    try {
      parseHostPort(a, 'scheduler');
    } catch (err) {
      fail('p2p.scheduler', (err as Error).message.replace(/^scheduler /, ''));
    }
  }
  try {
    parseHostPort(p.listen, 'listen', true);
  } catch (err) {
    fail('p2p.listen', (err as Error).message.replace(/^listen /, ''));
  }
  if (p.advertise !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(p.advertise);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('p2p.advertise', `must be an http(s) URL, got ${JSON.stringify(p.advertise)}`);
  }
  if (p.hostId !== undefined && !/^[A-Za-z0-9._:-]{1,253}$/.test(p.hostId)) fail('p2p.host_id', 'must be 1-253 characters of [A-Za-z0-9._:-]');
  const nonNegative = (key: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 0) fail(key, `must be a whole number >= 0, got ${v}`);
  };
  nonNegative('p2p.max_uploads', p.maxUploads);
  nonNegative('p2p.upload_bandwidth', p.uploadBandwidth);
  nonNegative('p2p.min_upload_rate', p.minUploadRate);
  if (!Number.isSafeInteger(p.uploadRateWindowMs) || p.uploadRateWindowMs < 100 || p.uploadRateWindowMs > 600_000) fail('p2p.upload_rate_window_ms', `must be a whole number from 100 to 600000, got ${p.uploadRateWindowMs}`);
  nonNegative('p2p.download_bandwidth', p.downloadBandwidth);
  nonNegative('p2p.min_peer_throughput', p.minPeerThroughput);
  if (!Number.isSafeInteger(p.resolveTimeoutMs) || p.resolveTimeoutMs < 10 || p.resolveTimeoutMs > 60_000) fail('p2p.resolve_timeout_ms', `must be a whole number from 10 to 60000, got ${p.resolveTimeoutMs}`);
  if (Object.keys(p.labels).length > 32) fail('p2p.labels', 'may hold at most 32 labels');
  for (const [k, v] of Object.entries(p.labels)) {
    if (typeof v !== 'string' || k.length > 256 || v.length > 256) fail(`p2p.labels.${k}`, 'must be a string of at most 256 characters');
  }
  if ((p.tlsCert === undefined) !== (p.tlsKey === undefined)) fail('p2p.tls_cert', 'and p2p.tls_key go together');
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Applies a parsed file (TOML or JSON document) over the defaults, then validates. */
export function daemonConfigFrom(doc: unknown, source = 'config'): DaemonConfig {
  if (!isTable(doc)) throw new ConfigError(`${source}: expected a table at the top level`);
  const c = defaultDaemonConfig();
  const at = (key: string): string => `${source}: ${key}`;
  const str = (v: unknown, key: string): string => {
    if (typeof v !== 'string') throw new ConfigError(`${at(key)} must be a string`);
    return v;
  };
  const num = (v: unknown, key: string): number => {
    // TOML integers arrive as numbers (or bigint beyond 2^53, which no setting needs).
    if (typeof v !== 'number') throw new ConfigError(`${at(key)} must be a number`);
    return v;
  };
  const bool = (v: unknown, key: string): boolean => {
    if (typeof v !== 'boolean') throw new ConfigError(`${at(key)} must be true or false`);
    return v;
  };
  const section = (v: unknown, name: string, fields: Record<string, (value: unknown, key: string) => void>): void => {
    if (!isTable(v)) throw new ConfigError(`${at(name)} must be a table`);
    for (const [k, value] of Object.entries(v)) {
      const set = fields[k];
      if (set === undefined) throw new ConfigError(`${at(`${name}.${k}`)}: unknown key`);
      set(value, `${name}.${k}`);
    }
  };
  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'socket':
        c.socket = str(value, key);
        break;
      case 'cache_dir':
        c.cacheDir = str(value, key);
        break;
      case 'state_dir':
        c.stateDir = str(value, key);
        break;
      case 'metrics':
        c.metrics = str(value, key);
        break;
      case 'log_level':
        c.logLevel = str(value, key);
        break;
      case 'fetch':
        section(value, key, {
          max_concurrent: (v, k) => (c.fetch.maxConcurrent = num(v, k)),
          max_request_bytes: (v, k) => (c.fetch.maxRequestBytes = num(v, k)),
          read_ahead: (v, k) => (c.fetch.readAhead = bool(v, k)),
          sequential_read_ahead: (v, k) => (c.fetch.sequentialReadAhead = num(v, k)),
          pipelining: (v, k) => (c.fetch.pipelining = num(v, k)),
          timeout_ms: (v, k) => (c.fetch.timeoutMs = num(v, k)),
          retry_base_delay_ms: (v, k) => (c.fetch.retryBaseDelayMs = num(v, k)),
          retry_max_delay_ms: (v, k) => (c.fetch.retryMaxDelayMs = num(v, k)),
        });
        break;
      case 'prefetch':
        section(value, key, {
          enabled: (v, k) => (c.prefetch.enabled = bool(v, k)),
          all: (v, k) => (c.prefetch.all = bool(v, k)),
          bandwidth: (v, k) => (c.prefetch.bandwidth = num(v, k)),
        });
        break;
      case 'fuse':
        section(value, key, {
          mode: (v, k) => {
            const mode = str(v, k);
            if (!(MOUNT_MODES as readonly string[]).includes(mode)) throw new ConfigError(`${at(k)} must be one of ${MOUNT_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
            c.fuse.mode = mode as MountMode;
          },
          read_timeout_ms: (v, k) => (c.fuse.readTimeoutMs = num(v, k)),
          max_read: (v, k) => (c.fuse.maxRead = num(v, k)),
          cache_timeout: (v, k) => (c.fuse.cacheTimeout = num(v, k)),
          allow_other: (v, k) => (c.fuse.allowOther = bool(v, k)),
        });
        break;
      case 'p2p':
        section(value, key, {
          scheduler: (v, k) => (c.p2p.schedulers = Array.isArray(v) ? v.map((x) => str(x, k)) : str(v, k).split(',').map((x) => x.trim()).filter((x) => x !== '')),
          listen: (v, k) => (c.p2p.listen = str(v, k)),
          advertise: (v, k) => (c.p2p.advertise = str(v, k)),
          host_id: (v, k) => (c.p2p.hostId = str(v, k)),
          seed: (v, k) => (c.p2p.seed = bool(v, k)),
          token_file: (v, k) => (c.p2p.tokenFile = str(v, k)),
          insecure: (v, k) => (c.p2p.insecure = bool(v, k)),
          max_uploads: (v, k) => (c.p2p.maxUploads = num(v, k)),
          upload_bandwidth: (v, k) => (c.p2p.uploadBandwidth = num(v, k)),
          min_upload_rate: (v, k) => (c.p2p.minUploadRate = num(v, k)),
          upload_rate_window_ms: (v, k) => (c.p2p.uploadRateWindowMs = num(v, k)),
          download_bandwidth: (v, k) => (c.p2p.downloadBandwidth = num(v, k)),
          min_peer_throughput: (v, k) => (c.p2p.minPeerThroughput = num(v, k)),
          resolve_timeout_ms: (v, k) => (c.p2p.resolveTimeoutMs = num(v, k)),
          labels: (v, k) => {
            if (!isTable(v)) throw new ConfigError(`${at(k)} must be a table of strings`);
            c.p2p.labels = Object.fromEntries(Object.entries(v).map(([lk, lv]) => [lk, str(lv, `${k}.${lk}`)]));
          },
          tls_cert: (v, k) => (c.p2p.tlsCert = str(v, k)),
          tls_key: (v, k) => (c.p2p.tlsKey = str(v, k)),
          tls_ca: (v, k) => (c.p2p.tlsCa = str(v, k)),
        });
        break;
      default:
        throw new ConfigError(`${at(key)}: unknown key`);
    }
  }
  return validateDaemonConfig(c, source);
}

/** Parses a config file's text: JSON when `source` ends in .json, TOML otherwise. */
export function parseDaemonConfig(text: string, source = 'config'): DaemonConfig {
  return daemonConfigFrom(parseConfigText(text, source, source.endsWith('.json') ? 'json' : 'toml'), source);
}

/** Command-line flags that override the file. */
export interface DaemonFlags {
  socket?: string;
  cache?: string;
  state?: string;
  metrics?: string;
  logLevel?: string;
  prefetchAll?: boolean;
  prefetchBandwidth?: number;
  fetchTimeoutMs?: number;
  /** P2P flags (each overrides its [p2p] key; labels are merged over the file's). */
  p2p?: Partial<Omit<P2PConfig, 'labels'>> & { labels?: Record<string, string> };
}

/** The configuration from `file` (defaults when none), with `flags` applied on top, validated. */
export function loadDaemonConfig(file: string | undefined, flags: DaemonFlags = {}): DaemonConfig {
  let c = defaultDaemonConfig();
  if (file !== undefined) c = parseDaemonConfig(readConfigFile(file), file);
  if (flags.socket !== undefined) c.socket = flags.socket;
  if (flags.cache !== undefined) c.cacheDir = flags.cache;
  if (flags.state !== undefined) c.stateDir = flags.state;
  if (flags.metrics !== undefined) c.metrics = flags.metrics;
  if (flags.logLevel !== undefined) c.logLevel = flags.logLevel;
  if (flags.prefetchAll !== undefined) c.prefetch.all = flags.prefetchAll;
  if (flags.prefetchBandwidth !== undefined) c.prefetch.bandwidth = flags.prefetchBandwidth;
  if (flags.fetchTimeoutMs !== undefined) c.fetch.timeoutMs = flags.fetchTimeoutMs;
  if (flags.p2p !== undefined) {
    const { labels, ...rest } = flags.p2p;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (c.p2p as unknown as Record<string, unknown>)[k] = v;
    if (labels !== undefined) c.p2p.labels = { ...c.p2p.labels, ...labels };
  }
  return validateDaemonConfig(c, file === undefined ? 'flags' : `${file} with flags`);
}
