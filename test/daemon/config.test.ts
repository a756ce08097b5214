/** Daemon configuration: defaults, TOML and JSON files, flags over files, one message per rule. */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { defaultDaemonConfig, loadDaemonConfig, parseDaemonConfig, validateDaemonConfig } from '../../src/daemon/config.js';

test('defaults are valid and documented values', (t) => {
  const c = validateDaemonConfig(defaultDaemonConfig());
  t.is(c.socket, '/run/darner/daemon.sock');
  t.is(c.fetch.maxRequestBytes, 1 << 20);
  t.is(c.fuse.maxRead, 131072);
  t.false(c.prefetch.all);
  t.is(c.metrics, undefined);
});

test('a TOML file sets every section', (t) => {
  const c = parseDaemonConfig(
    [
      'socket = "/tmp/d.sock"',
      'cache_dir = "/srv/cache"',
      'state_dir = "/srv/state"',
      'metrics = "127.0.0.1:0"',
      'log_level = "debug"',
      '[fetch]',
      'max_concurrent = 4',
      'max_request_bytes = 2097152',
      'read_ahead = false',
      'small_file = 65536',
      'small_file_request = 131072',
      'sequential_read_ahead = 0',
      'sequential_start = 8192',
      'pipelining = 2',
      'timeout_ms = 5000',
      'retry_base_delay_ms = 10',
      'retry_max_delay_ms = 20',
      '[prefetch]',
      'enabled = false',
      'all = true',
      'bandwidth = 0',
      '[fuse]',
      'mode = "fuse"',
      'read_timeout_ms = 9000',
      'max_read = 65536',
      'cache_timeout = 10',
      'allow_other = false',
      'erofs_direct_io = false',
    ].join('\n'),
    'daemon.toml',
  );
  t.like(c, { socket: '/tmp/d.sock', cacheDir: '/srv/cache', stateDir: '/srv/state', metrics: '127.0.0.1:0', logLevel: 'debug' });
  t.deepEqual(c.fetch, { maxConcurrent: 4, maxRequestBytes: 2097152, readAhead: false, smallFile: 65536, smallFileRequest: 131072, sequentialReadAhead: 0, sequentialStart: 8192, pipelining: 2, timeoutMs: 5000, retryBaseDelayMs: 10, retryMaxDelayMs: 20 });
  t.deepEqual(c.prefetch, { enabled: false, all: true, bandwidth: 0 });
  t.deepEqual(c.fuse, { mode: 'fuse', readTimeoutMs: 9000, maxRead: 65536, cacheTimeout: 10, allowOther: false, erofsDirectIo: false });
});

test('a JSON file uses the same keys', (t) => {
  const c = parseDaemonConfig(JSON.stringify({ cache_dir: '/c', fetch: { timeout_ms: 100 } }), 'daemon.json');
  t.is(c.cacheDir, '/c');
  t.is(c.fetch.timeoutMs, 100);
});

test('every rule has its own message naming the key', (t) => {
  const bad: Array<[string, RegExp]> = [
    ['socket = "relative.sock"', /socket must be an absolute path/],
    ['cache_dir = 3', /cache_dir must be a string/],
    ['nope = 1', /nope: unknown key/],
    ['[fetch]\nbogus = 1', /fetch\.bogus: unknown key/],
    ['[fetch]\nmax_concurrent = 0', /fetch\.max_concurrent must be an integer from 1/],
    ['[fetch]\ntimeout_ms = 1.5', /fetch\.timeout_ms must be an integer/],
    ['[fetch]\npipelining = 0', /fetch\.pipelining must be an integer from 1 to 64/],
    ['[fetch]\nretry_base_delay_ms = 50\nretry_max_delay_ms = 10', /retry_max_delay_ms must not be less/],
    ['[fuse]\nmax_read = 1048576', /fuse\.max_read must be an integer from 4096 to 131072/],
    ['[prefetch]\nall = "yes"', /prefetch\.all must be true or false/],
    ['[fuse]\nmode = "fscache"', /fuse\.mode must be one of auto, erofs, fuse, got "fscache"/],
    ['metrics = "localhost"', /metrics .*host:port/],
    ['log_level = "loud"', /log_level must be one of/],
    ['fetch = 3', /fetch must be a table/],
    ['socket = "/' + 'x'.repeat(200) + '"', /longer than a unix socket path/],
    ['= broken', /daemon\.toml: /],
  ];
  for (const [text, message] of bad) {
    const err = t.throws(() => parseDaemonConfig(text, 'daemon.toml'), { instanceOf: ConfigError }, text);
    t.regex(err?.message ?? '', message, text);
  }
});

test('flags override the file, and are validated too', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'darner-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'daemon.toml');
  await writeFile(file, 'cache_dir = "/from/file"\nstate_dir = "/state/file"\n[prefetch]\nall = false\n');
  const c = loadDaemonConfig(file, { cache: '/from/flag', prefetchAll: true, fetchTimeoutMs: 1234 });
  t.is(c.cacheDir, '/from/flag');
  t.is(c.stateDir, '/state/file');
  t.true(c.prefetch.all);
  t.is(c.fetch.timeoutMs, 1234);
  t.throws(() => loadDaemonConfig(undefined, { metrics: 'nonsense' }), { instanceOf: ConfigError });
  t.throws(() => loadDaemonConfig(join(dir, 'missing.toml')), { instanceOf: ConfigError, message: /cannot read/ });
});

test('[p2p]: off by default; the file sets it, flags override it, each rule has its message', (t) => {
  t.deepEqual(defaultDaemonConfig().p2p.schedulers, [], 'P2P is off without a scheduler');
  const c = parseDaemonConfig(
    [
      '[p2p]',
      'scheduler = ["10.0.0.1:8002", "10.0.0.2:8002"]',
      'listen = "0.0.0.0:8010"',
      'advertise = "http://10.0.0.17:8010"',
      'host_id = "node-17"',
      'seed = true',
      'token_file = "/etc/darner/peer-token"',
      'max_uploads = 4',
      'upload_bandwidth = 1000000',
      'download_bandwidth = 2000000',
      'min_peer_throughput = 500000',
      'resolve_timeout_ms = 800',
      'labels = { zone = "z1", rack = "r2" }',
    ].join('\n'),
    'p2p.toml',
  );
  t.deepEqual(c.p2p.schedulers, ['10.0.0.1:8002', '10.0.0.2:8002']);
  t.like(c.p2p, { listen: '0.0.0.0:8010', advertise: 'http://10.0.0.17:8010', hostId: 'node-17', seed: true, maxUploads: 4, uploadBandwidth: 1000000, downloadBandwidth: 2000000, minPeerThroughput: 500000, resolveTimeoutMs: 800 });
  t.deepEqual(c.p2p.labels, { zone: 'z1', rack: 'r2' });
  const flagged = loadDaemonConfig(undefined, { p2p: { schedulers: ['s:8002'], listen: '127.0.0.1:0', seed: false, labels: { zone: 'z9' } } });
  t.deepEqual(flagged.p2p.schedulers, ['s:8002']);
  t.is(flagged.p2p.listen, '127.0.0.1:0');
  t.deepEqual(flagged.p2p.labels, { zone: 'z9' });
  const bad = (toml: string, message: RegExp): void => {
    const err = t.throws(() => parseDaemonConfig(toml, 'bad.toml'), { instanceOf: ConfigError });
    t.regex(err!.message, message);
  };
  bad('[p2p]\nscheduler = ["nohost"]', /p2p\.scheduler/);
  bad('[p2p]\nadvertise = "ftp://x:1"', /p2p\.advertise must be an http\(s\) URL/);
  bad('[p2p]\nhost_id = "a b"', /p2p\.host_id/);
  bad('[p2p]\nmax_uploads = -1', /p2p\.max_uploads/);
  bad('[p2p]\nresolve_timeout_ms = 0', /p2p\.resolve_timeout_ms/);
  bad('[p2p]\ntls_cert = "/c.pem"', /p2p\.tls_cert and p2p\.tls_key go together/);
  bad('[p2p]\nlabels = { zone = 3 }', /p2p\.labels\.zone must be a string/);
  bad('[p2p]\nschedulr = "a:1"', /p2p\.schedulr: unknown key/);
});
