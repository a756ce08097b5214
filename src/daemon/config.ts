/**
 * `darner daemon` configuration: one table of keys (DAEMON_CONFIG_SCHEMA: type, default, range,
 * flag, doc line) from which the defaults, decoding, validation and the reference table in
 * docs/daemon.md come. Read from an optional TOML or JSON file (`--config`; JSON when the name
 * ends in .json) with flags applied on top; the daemon's parts get plain constructor options
 * from it and never parse files. Keys are snake_case in files, dotted under their table below;
 * unknown keys are errors (a typo must not pass silently).
 */
import { parseConfigText, readConfigFile } from '../config-file.js';
import { checkConfig, decodeConfig, schemaDefaults, type ConfigSchema, type Field } from '../config-schema.js';
import { parseHostPort } from '../p2p/address.js';
import type { P2PConfig } from '../p2p/daemon-peer.js';
import type { MirrorConfig } from '../mirror/daemon-mirror.js';

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
    smallFile: number;
    smallFileRequest: number;
    sequentialReadAhead: number;
    sequentialStart: number;
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
    /** erofs mode: the kernel reads the blob devices with direct I/O (erofs-mount.ts). */
    erofsDirectIo: boolean;
  };
  cache: {
    /** Bytes the blob cache may hold before least recently used unreferenced blobs are evicted; 0: no limit. */
    maxSize: number;
  };
  p2p: P2PConfig;
  failover: {
    /** Who holds the FUSE fds while no daemon runs: see KeeperMode. */
    keeper: KeeperMode;
    /** The keeper's socket; `<state_dir>/fd-keeper.sock` when undefined. */
    keeperSocket?: string;
    /** On SIGTERM/SIGINT: unmount every image, or keep the mounts for the next daemon (needs a keeper). */
    stop: 'unmount' | 'keep';
  };
  mirror: MirrorConfig;
}

export type { P2PConfig, MirrorConfig };


/**
 * spawn: the daemon starts `darner fd-keeper` (detached) when none answers; external: a keeper
 * runs beside the daemon (its own service or container) and the daemon only uses it; off: no
 * keeper, and a daemon restart ends every FUSE connection (docs/failover.md).
 */
export type KeeperMode = 'spawn' | 'external' | 'off';

/**
 * erofs: the kernel's EROFS mounts the bootstrap (file-backed) with FUSE blob devices under it,
 * so only data reads reach the daemon; fuse: FUSE answers every operation; auto: erofs where
 * the kernel can (tried per mount), else fuse.
 */
export type MountMode = 'auto' | 'erofs' | 'fuse';

export const MOUNT_MODES: readonly MountMode[] = ['auto', 'erofs', 'fuse'];

export const DEFAULT_SOCKET = '/run/darner/daemon.sock';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ANY = Number.MAX_SAFE_INTEGER;

/** parseHostPort's rule as a field check: its message without the leading name. */
const hostPort = (name: string, allowPortZero: boolean) => (v: string): string | undefined => {
  try {
    parseHostPort(v, name, allowPortZero);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(new RegExp(`^${name} `), '');
  }
};

const FIELDS: Field[] = [
  { key: 'socket', path: 'socket', type: { type: 'string', absolutePath: true }, default: DEFAULT_SOCKET, flag: '--socket', doc: 'control API socket (HTTP+JSON), mode 0660',
    // A unix socket path is at most 107 bytes (sun_path).
    check: (v: string) => (Buffer.byteLength(v) > 107 ? 'is longer than a unix socket path may be (107 bytes)' : undefined) },
  { key: 'cache_dir', path: 'cacheDir', type: { type: 'string', absolutePath: true }, default: '/var/lib/darner/cache', flag: '--cache', doc: 'the blob cache shared by every mount' },
  { key: 'state_dir', path: 'stateDir', type: { type: 'string', absolutePath: true }, default: '/var/lib/darner/daemon', flag: '--state', doc: 'mounts.json, saved bootstraps, default mount points' },
  { key: 'metrics', path: 'metrics', type: { type: 'string' }, allowed: 'host:port (port 0: any)', defaultDoc: 'off', flag: '--metrics', doc: 'host:port of Prometheus /metrics and /healthz', check: hostPort('metrics', true) },
  { key: 'log_level', path: 'logLevel', type: { type: 'enum', values: LOG_LEVELS }, defaultDoc: '`"info"`', flag: '--log-level', doc: 'log level (DARNER_LOG_LEVEL, when set, wins)' },

  { key: 'fetch.max_concurrent', path: 'fetch.maxConcurrent', type: { type: 'integer', min: 1, max: 1024 }, default: 8, doc: 'range requests in flight, over every image' },
  { key: 'fetch.max_request_bytes', path: 'fetch.maxRequestBytes', type: { type: 'integer', min: 4096, max: 1 << 30 }, default: 1 << 20, unit: 'bytes', doc: 'merge size: adjacent absent chunks share one request up to this' },
  { key: 'fetch.read_ahead', path: 'fetch.readAhead', type: { type: 'boolean' }, default: true, doc: 'a read of a small file also fetches the small files stored after it, in one request' },
  { key: 'fetch.small_file', path: 'fetch.smallFile', type: { type: 'integer', min: 0, max: 1 << 30 }, default: 256 << 10, unit: 'bytes', doc: 'a file of at most this many stored bytes is small (0: none is)' },
  { key: 'fetch.small_file_request', path: 'fetch.smallFileRequest', type: { type: 'integer', min: 4096, max: 1 << 30 }, default: 256 << 10, unit: 'bytes', doc: 'largest request a read of a small file makes with its neighbours' },
  { key: 'fetch.sequential_read_ahead', path: 'fetch.sequentialReadAhead', type: { type: 'integer', min: 0, max: 1 << 30 }, default: 4 << 20, unit: 'bytes', doc: 'largest window fetched ahead of reads moving forward through one large file, and largest file fetched whole once read at scattered places (0: off)' },
  { key: 'fetch.sequential_start', path: 'fetch.sequentialStart', type: { type: 'integer', min: 4096, max: 1 << 30 }, default: 256 << 10, unit: 'bytes', doc: 'first read-ahead window of a large file; it doubles up to sequential_read_ahead' },
  { key: 'fetch.pipelining', path: 'fetch.pipelining', type: { type: 'integer', min: 1, max: 64 }, default: 4, doc: 'registry range requests in flight per connection (1: none pipelined)' },
  { key: 'fetch.timeout_ms', path: 'fetch.timeoutMs', type: { type: 'integer', min: 1, max: 3_600_000 }, default: 30_000, unit: 'ms', flag: '--fetch-timeout', doc: 'a read waiting for absent chunks fails with EIO after this' },
  { key: 'fetch.retry_base_delay_ms', path: 'fetch.retryBaseDelayMs', type: { type: 'integer', min: 0, max: 600_000 }, default: 100, unit: 'ms', doc: 'backoff between origin retries, doubling' },
  { key: 'fetch.retry_max_delay_ms', path: 'fetch.retryMaxDelayMs', type: { type: 'integer', min: 0, max: 600_000 }, default: 2000, unit: 'ms', doc: 'longest backoff; not less than retry_base_delay_ms' },

  { key: 'prefetch.enabled', path: 'prefetch.enabled', type: { type: 'boolean' }, default: true, doc: "fetch each image's prefetch list (convert --prefetch) when it is mounted" },
  { key: 'prefetch.all', path: 'prefetch.all', type: { type: 'boolean' }, default: false, flag: '--prefetch-all', doc: 'fetch every chunk of every image in the background' },
  { key: 'prefetch.bandwidth', path: 'prefetch.bandwidth', type: { type: 'integer', min: 0, max: ANY }, default: 20 << 20, unit: 'bytes/s', flag: '--prefetch-bandwidth', doc: 'for prefetch.all (0: unlimited)' },

  { key: 'cache.max_size', path: 'cache.maxSize', type: { type: 'integer', min: 0, max: ANY }, default: 20 * 2 ** 30, unit: 'bytes', flag: '--cache-max-size',
    doc: 'disk the blob cache may use; above it the least recently used blobs no mount reads are evicted (0: no limit)' },

  { key: 'fuse.mode', path: 'fuse.mode', type: { type: 'enum', values: MOUNT_MODES }, default: 'auto', doc: 'erofs: kernel EROFS over FUSE blob devices; fuse: FUSE answers everything; auto: erofs where the kernel can (see "Mount modes")' },
  { key: 'fuse.read_timeout_ms', path: 'fuse.readTimeoutMs', type: { type: 'integer', min: 1, max: 3_600_000 }, default: 60_000, unit: 'ms', doc: 'last resort: a FUSE read not answered by then gets EIO' },
  { key: 'fuse.max_read', path: 'fuse.maxRead', type: { type: 'integer', min: 4096, max: 131072 }, default: 131072, unit: 'bytes', doc: 'largest read request (libfuse 2 allows up to 131072)' },
  { key: 'fuse.cache_timeout', path: 'fuse.cacheTimeout', type: { type: 'integer', min: 0, max: 365 * 86400 }, default: 86400, unit: 's', doc: 'how long the kernel caches names and attributes (images never change)' },
  { key: 'fuse.erofs_direct_io', path: 'fuse.erofsDirectIo', type: { type: 'boolean' }, default: true, doc: 'erofs mode: the kernel reads the blob devices with direct I/O, so its readahead never fetches past the file being read (see "Mount modes")' },
  { key: 'fuse.allow_other', path: 'fuse.allowOther', type: { type: 'boolean' }, default: true, doc: 'other users (containers) may use the mounts' },

  { key: 'p2p.scheduler', path: 'p2p.schedulers', type: { type: 'string-list', commaString: true }, default: [], allowed: 'a list of host:port (or one string, comma-separated)', flag: '--scheduler', doc: 'scheduler replicas (host:port), failover order; P2P is off without one',
    check: (v: string[]) => v.map(hostPort('scheduler', false)).find((m) => m !== undefined) },
  { key: 'p2p.listen', path: 'p2p.listen', type: { type: 'string' }, allowed: 'host:port (port 0: any)', default: '0.0.0.0:8010', flag: '--peer-listen', doc: 'the peer server (other peers fetch cached ranges here)', check: hostPort('listen', true) },
  { key: 'p2p.advertise', path: 'p2p.advertise', type: { type: 'string' }, allowed: 'an http(s) URL', defaultDoc: 'from listen / host name', flag: '--peer-advertise', doc: 'the URL other peers use',
    check: (v: string) => (/^https?:$/.test(urlProtocol(v)) ? undefined : `must be an http(s) URL, got ${JSON.stringify(v)}`) },
  { key: 'p2p.host_id', path: 'p2p.hostId', type: { type: 'string' }, allowed: '1-253 characters of [A-Za-z0-9._:-]', defaultDoc: 'a random id kept in the state dir', flag: '--peer-id', doc: "this node's host id",
    check: (v: string) => (/^[A-Za-z0-9._:-]{1,253}$/.test(v) ? undefined : 'must be 1-253 characters of [A-Za-z0-9._:-]') },
  { key: 'p2p.seed', path: 'p2p.seed', type: { type: 'boolean' }, default: false, flag: '--seed', doc: 'receive preheat tasks' },
  { key: 'p2p.token_file', path: 'p2p.tokenFile', type: { type: 'string' }, defaultDoc: 'DARNER_PEER_TOKEN', flag: '--peer-token-file', doc: "the cluster's shared token" },
  { key: 'p2p.insecure', path: 'p2p.insecure', type: { type: 'boolean' }, default: false, flag: '--peer-insecure', doc: 'serve peers without token or mTLS (refused to start otherwise)' },
  { key: 'p2p.max_uploads', path: 'p2p.maxUploads', type: { type: 'integer', min: 0, max: ANY }, default: 16, flag: '--peer-max-uploads', doc: 'concurrent uploads; beyond: 503 (0: never serve)' },
  { key: 'p2p.upload_bandwidth', path: 'p2p.uploadBandwidth', type: { type: 'integer', min: 0, max: ANY }, default: 0, unit: 'bytes/s', flag: '--peer-upload-limit', doc: 'over all uploads (0: unlimited)' },
  { key: 'p2p.min_upload_rate', path: 'p2p.minUploadRate', type: { type: 'integer', min: 0, max: ANY }, default: 65_536, unit: 'bytes/s', doc: 'a requester taking less than this over upload_rate_window_ms loses its upload' },
  { key: 'p2p.upload_rate_window_ms', path: 'p2p.uploadRateWindowMs', type: { type: 'integer', min: 100, max: 600_000 }, default: 10_000, unit: 'ms', doc: 'the window of min_upload_rate' },
  { key: 'p2p.download_bandwidth', path: 'p2p.downloadBandwidth', type: { type: 'integer', min: 0, max: ANY }, default: 0, unit: 'bytes/s', flag: '--peer-download-limit', doc: 'over all downloads from peers (0: unlimited)' },
  { key: 'p2p.min_peer_throughput', path: 'p2p.minPeerThroughput', type: { type: 'integer', min: 0, max: ANY }, default: 1_000_000, unit: 'bytes/s', doc: 'a parent slower than this is abandoned' },
  { key: 'p2p.resolve_timeout_ms', path: 'p2p.resolveTimeoutMs', type: { type: 'integer', min: 10, max: 60_000 }, default: 500, unit: 'ms', doc: 'a scheduler slower than this: the range goes to the origin' },
  { key: 'p2p.busy_wait_ms', path: 'p2p.busyWaitMs', type: { type: 'integer', min: 0, max: 600_000 }, default: 5_000, unit: 'ms', doc: 'a range whose parents all answer busy waits this long in all (resolving again) before the origin; 0: the origin at once' },
  { key: 'p2p.busy_retry_min_ms', path: 'p2p.busyRetryMinMs', type: { type: 'integer', min: 1, max: 60_000 }, default: 100, unit: 'ms', doc: 'first wait after busy parents (after one immediate new resolve); doubles' },
  { key: 'p2p.busy_retry_max_ms', path: 'p2p.busyRetryMaxMs', type: { type: 'integer', min: 1, max: 60_000 }, default: 1_000, unit: 'ms', doc: "longest single wait after busy parents (also never past the parent's Retry-After)" },
  { key: 'p2p.labels', path: 'p2p.labels', type: { type: 'string-table' }, allowed: 'a table of at most 32 strings, keys and values of at most 256 characters', default: {}, flag: '--region, --zone, --rack', doc: 'locality labels (region, zone, rack); flags merge over the file',
    check: (v: Record<string, string>) => {
      if (Object.keys(v).length > 32) return 'may hold at most 32 labels';
      return Object.entries(v).some(([k, x]) => k.length > 256 || x.length > 256) ? 'must hold keys and values of at most 256 characters' : undefined;
    } },
  { key: 'p2p.tls_cert', path: 'p2p.tlsCert', type: { type: 'string' }, flag: '--peer-tls-cert', doc: 'PEM certificate of the peer server, and its client certificate' },
  { key: 'p2p.tls_key', path: 'p2p.tlsKey', type: { type: 'string' }, flag: '--peer-tls-key', doc: 'PEM key of tls_cert (the two go together)' },
  { key: 'p2p.tls_ca', path: 'p2p.tlsCa', type: { type: 'string' }, flag: '--peer-tls-ca', doc: "PEM CA of peer certificates (mTLS) and of the scheduler's" },

  { key: 'failover.keeper', path: 'failover.keeper', type: { type: 'enum', values: ['spawn', 'external', 'off'] }, default: 'spawn', doc: 'who holds the FUSE fds across a daemon restart: spawn a `darner fd-keeper`, use an external one, or off (see docs/failover.md)' },
  { key: 'failover.stop', path: 'failover.stop', type: { type: 'enum', values: ['unmount', 'keep'] }, default: 'unmount', doc: 'on SIGTERM: unmount every image, or keep the mounts for the next daemon to take over (a service restart that running containers survive; needs a keeper)' },
  { key: 'failover.keeper_socket', path: 'failover.keeperSocket', type: { type: 'string', absolutePath: true }, defaultDoc: '`<state_dir>/fd-keeper.sock`', doc: "the fd keeper's unix socket (any length: a long path is reached through its directory)" },
  { key: 'mirror.listen', path: 'mirror.listen', type: { type: 'string' }, allowed: 'host:port (port 0: any)', defaultDoc: 'off', flag: '--mirror-listen', doc: 'the registry mirror containerd pulls through (hosts.toml); docs/mirror.md', check: hostPort('listen', true) },
  { key: 'mirror.plain_http', path: 'mirror.plainHttp', type: { type: 'string-list', commaString: true }, default: [], allowed: 'a list of host[:port]', doc: 'registries the mirror reaches over plain http (others: https)' },
  { key: 'mirror.piece_size', path: 'mirror.pieceSize', type: { type: 'integer', min: 1 << 16, max: 1 << 26 }, default: 4 << 20, unit: 'bytes', doc: 'piece size of blobs fetched through peers (a power of two)',
    check: (v: number) => ((v & (v - 1)) === 0 ? undefined : 'must be a power of two') },
  { key: 'mirror.default_registry', path: 'mirror.defaultRegistry', type: { type: 'string' }, default: 'docker.io', doc: 'the registry of requests that name none (no `ns` parameter)' },
];

function urlProtocol(v: string): string {
  try {
    return new URL(v).protocol;
  } catch {
    return '';
  }
}

export const DAEMON_CONFIG_SCHEMA: ConfigSchema<DaemonConfig> = {
  sections: ['fetch', 'prefetch', 'cache', 'fuse', 'p2p', 'failover', 'mirror'].map((key) => ({ key, path: key })),
  fields: FIELDS,
  rules: [
    (c) => (c.fetch.retryMaxDelayMs < c.fetch.retryBaseDelayMs ? 'fetch.retry_max_delay_ms must not be less than fetch.retry_base_delay_ms' : undefined),
    (c) => ((c.p2p.tlsCert === undefined) !== (c.p2p.tlsKey === undefined) ? 'p2p.tls_cert and p2p.tls_key go together' : undefined),
  ],
};

export function defaultDaemonConfig(): DaemonConfig {
  return schemaDefaults(DAEMON_CONFIG_SCHEMA);
}

/** Checks every rule of a complete config; the message names the key and the rule. */
export function validateDaemonConfig(c: DaemonConfig, source = 'config'): DaemonConfig {
  return checkConfig(DAEMON_CONFIG_SCHEMA, c, source);
}

/** Applies a parsed file (TOML or JSON document) over the defaults, then validates. */
export function daemonConfigFrom(doc: unknown, source = 'config'): DaemonConfig {
  return validateDaemonConfig(decodeConfig(DAEMON_CONFIG_SCHEMA, doc, source), source);
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
  cacheMaxSize?: number;
  mirrorListen?: string;
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
  if (flags.cacheMaxSize !== undefined) c.cache.maxSize = flags.cacheMaxSize;
  if (flags.mirrorListen !== undefined) c.mirror.listen = flags.mirrorListen;
  if (flags.p2p !== undefined) {
    const { labels, ...rest } = flags.p2p;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (c.p2p as unknown as Record<string, unknown>)[k] = v;
    if (labels !== undefined) c.p2p.labels = { ...c.p2p.labels, ...labels };
  }
  return validateDaemonConfig(c, file === undefined ? 'flags' : `${file} with flags`);
}
