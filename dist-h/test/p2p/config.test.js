import test from 'ava';
import { ConfigError, UsageError } from '../../src/errors.js';
import { parseHostPort } from '../../src/p2p/address.js';
import { defaultProcessConfig, parseProcessConfig, validateProcessConfig, } from '../../src/p2p/scheduler/config.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../../src/p2p/scheduler/model.js';
test('an empty config file means the documented defaults', (t) => {
    const cfg = parseProcessConfig('', 'x.toml');
    t.deepEqual(cfg, defaultProcessConfig());
    t.is(cfg.listen, '0.0.0.0:8002');
    t.deepEqual(cfg.scheduling, DEFAULT_SCHEDULER_CONFIG);
    validateProcessConfig(cfg);
});
test('every key of the documented example is read', (t) => {
    const cfg = parseProcessConfig(`
listen = "127.0.0.1:9002"
metrics = "127.0.0.1:9003"
redis = "redis://10.0.0.5:6379/2"
redis_prefix = "prod:"
peer_token_file = "/etc/darner/peer-token"
[tls]
cert = "/c.pem"
key = "/k.pem"
client_ca = "/ca.pem"
[scheduling]
keepalive_interval_ms = 1000
peer_ttl_ms = 4000
lease_ttl_ms = 15000
max_parents = 6
cascade_fanout = 3
max_holders_per_chunk = 8
bad_peer_ms = 600000
history_ttl_ms = 3600000
history_alpha = 0.5
locality_keys = ["zone", "rack", "host"]
task_ttl_ms = 60000
[scheduling.weights]
locality = 1
load = 1
history = 1
seed = 0
`, 'x.toml');
    validateProcessConfig(cfg);
    t.deepEqual(cfg, {
        listen: '127.0.0.1:9002',
        metrics: '127.0.0.1:9003',
        redis: 'redis://10.0.0.5:6379/2',
        redisPrefix: 'prod:',
        peerTokenFile: '/etc/darner/peer-token',
        tls: { cert: '/c.pem', key: '/k.pem', clientCa: '/ca.pem' },
        scheduling: {
            keepaliveIntervalMs: 1000,
            peerTtlMs: 4000,
            leaseTtlMs: 15000,
            maxParents: 6,
            cascadeFanout: 3,
            maxHoldersPerChunk: 8,
            badPeerMs: 600000,
            historyTtlMs: 3600000,
            historyAlpha: 0.5,
            localityKeys: ['zone', 'rack', 'host'],
            weights: { locality: 1, load: 1, history: 1, seed: 0 },
            taskTtlMs: 60000,
        },
    });
});
test('typos, wrong types and broken rules are ConfigErrors naming the key', (t) => {
    const bad = [
        ['lisen = "x:1"', /lisen: unknown key/],
        ['[scheduling]\nlease_ttl = 5', /scheduling.lease_ttl: unknown key/],
        ['[scheduling]\nmax_parents = "4"', /scheduling.max_parents must be a number/],
        ['[tls]\ncert = "/c.pem"', /tls.cert and tls.key go together/],
        ['listen = ', /x.toml/],
    ];
    for (const [text, message] of bad)
        t.throws(() => parseProcessConfig(text, 'x.toml'), { instanceOf: ConfigError, message });
    const rules = [
        ['[scheduling]\nkeepalive_interval_ms = 5000\npeer_ttl_ms = 6000', /at least twice/],
        ['[scheduling]\nmax_parents = 0', /max_parents/],
        ['[scheduling]\nmax_holders_per_chunk = -1', /max_holders_per_chunk/],
        ['[scheduling]\nhistory_alpha = 0', /history_alpha/],
        ['[scheduling.weights]\nlocality = 0\nload = 0\nhistory = 0\nseed = 0', /weights/],
        ['listen = "nohost"', /host:port/],
        ['redis = "http://x"', /redis:\/\//],
    ];
    for (const [text, message] of rules) {
        t.throws(() => validateProcessConfig(parseProcessConfig(text, 'x.toml')), { instanceOf: ConfigError, message });
    }
});
test('host:port parsing', (t) => {
    t.deepEqual(parseHostPort('0.0.0.0:8002', 'a'), { host: '0.0.0.0', port: 8002 });
    t.deepEqual(parseHostPort('[::1]:8002', 'a'), { host: '::1', port: 8002 });
    t.deepEqual(parseHostPort('sched.svc.cluster.local:8002', 'a'), { host: 'sched.svc.cluster.local', port: 8002 });
    t.deepEqual(parseHostPort('127.0.0.1:0', 'a', true), { host: '127.0.0.1', port: 0 });
    for (const bad of ['127.0.0.1:0', '::1:8002', 'host', 'host:70000', ':8002']) {
        t.throws(() => parseHostPort(bad, 'a'), { instanceOf: UsageError }, bad);
    }
});
//# sourceMappingURL=config.test.js.map