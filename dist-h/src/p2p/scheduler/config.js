/**
 * `darner scheduler` configuration: one table of keys (SCHEDULER_CONFIG_SCHEMA: type, default,
 * range, flag, doc line) from which the defaults, decoding, validation and the reference table in
 * docs/p2p.md come. Read from an optional TOML file (--config) and overridden by flags, validated
 * once, then turned into constructor options at the edge (the core never parses anything).
 * Unknown keys are errors (a typo must not pass silently).
 */
import { parseConfigText } from '../../config-file.js';
import { checkConfig, decodeConfig, schemaDefaults } from '../../config-schema.js';
import { parseHostPort } from '../address.js';
import { DEFAULT_SCHEDULER_CONFIG } from './model.js';
export const DEFAULT_LISTEN = '0.0.0.0:8002';
/** parseHostPort's rule as a field check: its message without the leading name. */
const hostPort = (name) => (v) => {
    try {
        parseHostPort(v, name, true);
        return undefined;
    }
    catch (err) {
        return err.message.replace(new RegExp(`^${name} `), '');
    }
};
const D = DEFAULT_SCHEDULER_CONFIG;
const DAY_MS = 86_400_000;
const tlsPair = (c) => c.tls !== undefined && (c.tls.cert === undefined || c.tls.key === undefined) ? 'tls.cert and tls.key go together' : undefined;
export const SCHEDULER_CONFIG_SCHEMA = {
    sections: [{ key: 'tls', path: 'tls', optional: true }, { key: 'scheduling', path: 'scheduling' }, { key: 'scheduling.weights', path: 'scheduling.weights' }],
    fields: [
        { key: 'listen', path: 'listen', type: { type: 'string', nonEmpty: true }, allowed: 'host:port (port 0: any)', default: DEFAULT_LISTEN, flag: '--listen', doc: "gRPC address (8002: the port Dragonfly's scheduler uses)", check: hostPort('listen') },
        { key: 'metrics', path: 'metrics', type: { type: 'string', nonEmpty: true }, allowed: 'host:port (port 0: any)', defaultDoc: 'off', flag: '--metrics', doc: 'Prometheus /metrics and /healthz', check: hostPort('metrics') },
        { key: 'redis', path: 'redis', type: { type: 'string', nonEmpty: true }, allowed: 'a redis:// or rediss:// URL', defaultDoc: 'in memory', flag: '--redis', doc: 'shared state for replicas',
            check: (v) => (/^rediss?:\/\//.test(v) ? undefined : `must be a redis:// or rediss:// URL, got ${JSON.stringify(v)}`) },
        { key: 'redis_prefix', path: 'redisPrefix', type: { type: 'string', nonEmpty: true }, allowed: '1 to 128 characters', default: 'darner:p2p:', flag: '--redis-prefix', doc: 'prefix of every Redis key',
            check: (v) => (v.length > 128 ? 'must be 1 to 128 characters' : undefined) },
        { key: 'peer_token_file', path: 'peerTokenFile', type: { type: 'string', nonEmpty: true }, defaultDoc: 'DARNER_PEER_TOKEN', flag: '--peer-token-file', doc: "the cluster's shared token (the flag, then DARNER_PEER_TOKEN, then this)" },
        { key: 'tls.cert', path: 'tls.cert', type: { type: 'string', nonEmpty: true }, defaultDoc: 'plaintext', flag: '--tls-cert', doc: 'PEM certificate (tls.cert and tls.key go together)' },
        { key: 'tls.key', path: 'tls.key', type: { type: 'string', nonEmpty: true }, defaultDoc: 'plaintext', flag: '--tls-key', doc: 'PEM key of tls.cert' },
        { key: 'tls.client_ca', path: 'tls.clientCa', type: { type: 'string', nonEmpty: true }, defaultDoc: 'no client certificates', flag: '--tls-client-ca', doc: 'require client certificates signed by this CA (mTLS)' },
        { key: 'scheduling.keepalive_interval_ms', path: 'scheduling.keepaliveIntervalMs', type: { type: 'integer', min: 100, max: 600_000 }, unit: 'ms', default: D.keepaliveIntervalMs, doc: 'heartbeat period asked of peers' },
        { key: 'scheduling.peer_ttl_ms', path: 'scheduling.peerTtlMs', type: { type: 'integer', min: 200, max: 3_600_000 }, unit: 'ms', default: D.peerTtlMs, doc: 'silent peers expire after this; at least twice keepalive_interval_ms' },
        { key: 'scheduling.lease_ttl_ms', path: 'scheduling.leaseTtlMs', type: { type: 'integer', min: 100, max: 3_600_000 }, unit: 'ms', default: D.leaseTtlMs, doc: 'a back-to-source lease lasts this long without an Announce' },
        { key: 'scheduling.max_parents', path: 'scheduling.maxParents', type: { type: 'integer', min: 1, max: 32 }, default: D.maxParents, doc: 'parents per group when the requester does not ask for fewer' },
        { key: 'scheduling.cascade_fanout', path: 'scheduling.cascadeFanout', type: { type: 'integer', min: 0, max: 1024 }, default: D.cascadeFanout, doc: 'requesters pointed at one peer that is fetching or receiving a chunk before deeper receivers are used (the tree\'s fan-out); 0: off, every requester waits on the fetcher' },
        { key: 'scheduling.max_holders_per_chunk', path: 'scheduling.maxHoldersPerChunk', type: { type: 'integer', min: 0, max: 1_000_000 }, default: D.maxHoldersPerChunk, doc: 'holders of one chunk a Resolve ranks at most (a rotating window in memory, a random sample in Redis); 0: all' },
        { key: 'scheduling.bad_peer_ms', path: 'scheduling.badPeerMs', type: { type: 'integer', min: 0, max: 30 * DAY_MS }, unit: 'ms', default: D.badPeerMs, doc: 'a peer reported for BAD_DATA is not handed out for this long (0: never excluded)' },
        { key: 'scheduling.history_ttl_ms', path: 'scheduling.historyTtlMs', type: { type: 'integer', min: 1000, max: 365 * DAY_MS }, unit: 'ms', default: D.historyTtlMs, doc: "a peer's success history is kept this long after its last report" },
        { key: 'scheduling.history_alpha', path: 'scheduling.historyAlpha', type: { type: 'number', above: 0, max: 1 }, default: D.historyAlpha, doc: 'weight of the newest report in the moving averages' },
        { key: 'scheduling.locality_keys', path: 'scheduling.localityKeys', type: { type: 'string-list' }, default: D.localityKeys, doc: 'label keys for locality, most significant first' },
        { key: 'scheduling.task_ttl_ms', path: 'scheduling.taskTtlMs', type: { type: 'integer', min: 1000, max: 30 * DAY_MS }, unit: 'ms', default: D.taskTtlMs, doc: 'how long a queued (preheat) task waits for its peer to watch' },
        { key: 'scheduling.weights.locality', path: 'scheduling.weights.locality', type: { type: 'number', min: 0 }, default: D.weights.locality, doc: 'score weight of locality' },
        { key: 'scheduling.weights.load', path: 'scheduling.weights.load', type: { type: 'number', min: 0 }, default: D.weights.load, doc: 'score weight of free upload capacity' },
        { key: 'scheduling.weights.history', path: 'scheduling.weights.history', type: { type: 'number', min: 0 }, default: D.weights.history, doc: 'score weight of success history' },
        { key: 'scheduling.weights.seed', path: 'scheduling.weights.seed', type: { type: 'number', min: 0 }, default: D.weights.seed, doc: 'score weight of being a seed peer; the four weights sum to more than 0' },
    ],
    rules: [
        tlsPair,
        (c) => {
            const s = c.scheduling;
            return s.peerTtlMs < 2 * s.keepaliveIntervalMs
                ? `scheduling.peer_ttl_ms (${s.peerTtlMs}) must be at least twice scheduling.keepalive_interval_ms (${s.keepaliveIntervalMs}), or one late heartbeat expires a live peer`
                : undefined;
        },
        (c) => (Object.values(c.scheduling.weights).reduce((a, b) => a + b, 0) > 0 ? undefined : 'scheduling.weights must sum to more than 0'),
    ],
};
export function defaultProcessConfig() {
    return schemaDefaults(SCHEDULER_CONFIG_SCHEMA);
}
/**
 * Reads a TOML config over the defaults: keys known and of their type (ranges and rules are
 * checked by validateProcessConfig, once flags are applied), [tls] whole.
 */
export function parseProcessConfig(text, source) {
    const cfg = decodeConfig(SCHEDULER_CONFIG_SCHEMA, parseConfigText(text, source), source, { ranges: false });
    return checkConfig({ sections: [], fields: [], rules: [tlsPair] }, cfg, source);
}
/** Checks every rule; throws a ConfigError naming `source` and the first broken key. */
export function validateProcessConfig(cfg, source = 'config') {
    checkConfig(SCHEDULER_CONFIG_SCHEMA, cfg, source);
}
//# sourceMappingURL=config.js.map