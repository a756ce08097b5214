import { parseConfigText, readConfigFile } from '../src/config-file.js';
import { decodeConfig, schemaDefaults } from '../src/config-schema.js';
import { ConfigError } from '../src/errors.js';
import { splitHostPort } from '../src/util/host-port.js';
export const SNAPSHOTTER_CONFIG_SCHEMA = {
    sections: ['overlay', 'daemon', 'registry', 'containerd'].map((key) => ({ key, path: key })),
    fields: [
        { key: 'address', path: 'address', type: { type: 'string', nonEmpty: true }, default: '/run/darner/snapshotter.sock', flag: '--socket', doc: 'unix socket containerd dials (proxy_plugins address)' },
        { key: 'root', path: 'root', type: { type: 'string', nonEmpty: true, absolutePath: true }, default: '/var/lib/darner/snapshotter', flag: '--root', doc: 'state directory: metadata.db and snapshots/' },
        { key: 'metrics', path: 'metrics', type: { type: 'string' }, allowed: 'host:port (port 0: any)', defaultDoc: 'off', flag: '--metrics', doc: 'host:port of Prometheus /metrics and /healthz',
            check: (v) => (splitHostPort(v, true) === undefined ? 'must be host:port (IPv6 as [addr]:port)' : undefined) },
        { key: 'async_remove', path: 'asyncRemove', type: { type: 'boolean' }, default: false, doc: 'leave directory deletion to Cleanup' },
        { key: 'remote_snapshots', path: 'remoteSnapshots', type: { type: 'boolean' }, default: true, doc: 'serve darner images lazily through the daemon' },
        { key: 'overlay.index_off', path: 'overlay.indexOff', type: { type: 'boolean' }, defaultDoc: 'on when /sys/module/overlay/parameters/index exists', doc: 'add the overlay option index=off' },
        { key: 'overlay.userxattr', path: 'overlay.userxattr', type: { type: 'boolean' }, defaultDoc: 'on inside a user namespace', doc: 'add the overlay option userxattr' },
        { key: 'daemon.address', path: 'daemon.address', type: { type: 'string', nonEmpty: true }, default: '/run/darner/daemon.sock', doc: "the darner daemon's control socket" },
        { key: 'daemon.start_command', path: 'daemon.startCommand', type: { type: 'string-list' }, defaultDoc: 'this darner\'s `daemon --socket <address>`', doc: 'command that starts a daemon when a mount is needed and none answers ([]: never)' },
        { key: 'daemon.start_timeout', path: 'daemon.startTimeoutMs', type: { type: 'number', above: 0 }, unit: 'seconds', default: 30, doc: 'how long a started daemon has to answer',
            toConfig: (seconds) => Math.round(seconds * 1000) },
        { key: 'daemon.log_file', path: 'daemon.logFile', type: { type: 'string', nonEmpty: true }, defaultDoc: 'discarded', doc: "where a started daemon's output goes" },
        { key: 'registry.docker_config', path: 'registry.dockerConfig', type: { type: 'string', nonEmpty: true }, defaultDoc: '$DOCKER_CONFIG/config.json or ~/.docker/config.json', doc: 'credentials for reading manifests' },
        { key: 'registry.plain_http', path: 'registry.plainHttp', type: { type: 'string-list' }, default: [], doc: 'registries spoken to over plain http (loopback registries always are)' },
        { key: 'registry.mirrors', path: 'registry.mirrors', type: { type: 'list-table' }, default: {}, allowed: 'a table of registry = [mirror hosts]',
            doc: "mirrors tried in order before a registry when reading manifests (the daemon's blob reads never use them)" },
        { key: 'containerd.address', path: 'containerd.address', type: { type: 'string', nonEmpty: true }, default: '/run/containerd/containerd.sock',
            doc: "containerd's socket: a pinned manifest (CRI pulls) is read from its content store before the registry" },
    ],
};
export const DEFAULT_CONFIG = Object.freeze(schemaDefaults(SNAPSHOTTER_CONFIG_SCHEMA));
function defaults() {
    return schemaDefaults(SNAPSHOTTER_CONFIG_SCHEMA);
}
/** Checks a parsed TOML table against the schema: every key known, of its type and range. */
export function validateConfig(raw, source = 'config') {
    return decodeConfig(SNAPSHOTTER_CONFIG_SCHEMA, raw, source);
}
/** Parses TOML text and validates it. */
export function parseConfig(text, source = 'config') {
    return validateConfig(parseConfigText(text, source), source);
}
/** The configuration from `file` (defaults when none), with flags applied on top. */
export function loadConfig(file, flags = {}) {
    let config = defaults();
    if (file !== undefined)
        config = parseConfig(readConfigFile(file), file);
    if (flags.address !== undefined)
        config.address = nonEmptyString(flags.address, '--socket');
    if (flags.root !== undefined)
        config.root = nonEmptyString(flags.root, '--root');
    if (flags.metrics !== undefined) {
        if (splitHostPort(flags.metrics, true) === undefined)
            throw new ConfigError(`--metrics ${JSON.stringify(flags.metrics)} must be host:port (IPv6 as [addr]:port)`);
        config.metrics = flags.metrics;
    }
    return config;
}
function nonEmptyString(v, what) {
    if (typeof v !== 'string' || v === '')
        throw new ConfigError(`${what} must be a non-empty string`);
    return v;
}
//# sourceMappingURL=config.js.map