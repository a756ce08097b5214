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
      'timeout_ms = 5000',
      'retry_base_delay_ms = 10',
      'retry_max_delay_ms = 20',
      '[prefetch]',
      'enabled = false',
      'all = true',
      'bandwidth = 0',
      '[fuse]',
      'read_timeout_ms = 9000',
      'max_read = 65536',
      'cache_timeout = 10',
      'allow_other = false',
    ].join('\n'),
    'daemon.toml',
  );
  t.like(c, { socket: '/tmp/d.sock', cacheDir: '/srv/cache', stateDir: '/srv/state', metrics: '127.0.0.1:0', logLevel: 'debug' });
  t.deepEqual(c.fetch, { maxConcurrent: 4, maxRequestBytes: 2097152, readAhead: false, timeoutMs: 5000, retryBaseDelayMs: 10, retryMaxDelayMs: 20 });
  t.deepEqual(c.prefetch, { enabled: false, all: true, bandwidth: 0 });
  t.deepEqual(c.fuse, { readTimeoutMs: 9000, maxRead: 65536, cacheTimeout: 10, allowOther: false });
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
    ['[fetch]\nretry_base_delay_ms = 50\nretry_max_delay_ms = 10', /retry_max_delay_ms must not be less/],
    ['[fuse]\nmax_read = 1048576', /fuse\.max_read must be an integer from 4096 to 131072/],
    ['[prefetch]\nall = "yes"', /prefetch\.all must be true or false/],
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
