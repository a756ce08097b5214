import { parseConfigText, readConfigFile } from '../src/config-file.js';
import { ConfigError } from '../src/errors.js';

/**
 * `darner snapshotter` configuration: one typed schema, its defaults, and validate(). The TOML
 * file uses snake_case keys; command-line flags override it; the core never sees the file.
 *
 *   address = "/run/darner/snapshotter.sock"   # unix socket containerd dials (proxy_plugins address)
 *   root = "/var/lib/darner/snapshotter"       # metadata.db and snapshots/
 *   async_remove = false                       # leave directory deletion to Cleanup
 *
 *   remote_snapshots = true                    # serve darner images lazily through the daemon
 *
 *   [overlay]
 *   index_off = true      # add index=off; default: when the kernel has the overlay index parameter
 *   userxattr = false     # add userxattr; default: when running in a user namespace
 *
 *   [daemon]
 *   address = "/run/darner/daemon.sock"        # the darner daemon's control socket
 *   start_command = ["darner", "daemon"]       # started when a mount is needed and none answers;
 *                                              # default: this darner's `daemon --socket <address>`;
 *                                              # [] never starts one
 *   start_timeout = 30                         # seconds a started daemon has to answer
 *   log_file = "/var/log/darner/daemon.log"    # a started daemon's output (default: discarded)
 *
 *   [registry]                                 # how the snapshotter reads image manifests
 *   docker_config = "/root/.docker/config.json"  # credentials (default: $DOCKER_CONFIG or ~/.docker)
 *   plain_http = ["registry.local:5000"]       # registries spoken to over http (loopback always is)
 *   [registry.mirrors]
 *   "docker.io" = ["mirror.local:5000"]        # tried in order before the registry itself
 */

export interface SnapshotterConfig {
  address: string;
  root: string;
  asyncRemove: boolean;
  overlay: {
    /** undefined: detect. */
    indexOff?: boolean;
    /** undefined: detect. */
    userxattr?: boolean;
  };
  /** Serve darner images lazily (remote data layers, one daemon mount per image). */
  remoteSnapshots: boolean;
  daemon: {
    address: string;
    /** undefined: this darner's own `daemon` command; []: never start one. */
    startCommand?: string[];
    startTimeoutMs: number;
    logFile?: string;
  };
  registry: {
    /** undefined: the default docker config. */
    dockerConfig?: string;
    plainHttp: string[];
    mirrors: Record<string, string[]>;
  };
}

export const DEFAULT_CONFIG: Readonly<SnapshotterConfig> = Object.freeze({
  address: '/run/darner/snapshotter.sock',
  root: '/var/lib/darner/snapshotter',
  asyncRemove: false,
  overlay: {},
  remoteSnapshots: true,
  daemon: { address: '/run/darner/daemon.sock', startTimeoutMs: 30_000 },
  registry: { plainHttp: [], mirrors: {} },
});

function defaults(): SnapshotterConfig {
  return {
    ...DEFAULT_CONFIG,
    overlay: {},
    daemon: { ...DEFAULT_CONFIG.daemon },
    registry: { plainHttp: [], mirrors: {} },
  };
}

/** Checks a parsed TOML table against the schema; every rule has its own message. */
export function validateConfig(raw: unknown, source = 'config'): SnapshotterConfig {
  if (!isTable(raw)) throw new ConfigError(`${source}: expected a table at the top level`);
  const config = defaults();
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'address':
        config.address = nonEmptyString(value, `${source}: address`);
        break;
      case 'root':
        config.root = nonEmptyString(value, `${source}: root`);
        if (!config.root.startsWith('/')) throw new ConfigError(`${source}: root must be an absolute path`);
        break;
      case 'async_remove':
        config.asyncRemove = boolean(value, `${source}: async_remove`);
        break;
      case 'overlay': {
        if (!isTable(value)) throw new ConfigError(`${source}: [overlay] must be a table`);
        for (const [k, v] of Object.entries(value)) {
          if (k === 'index_off') config.overlay.indexOff = boolean(v, `${source}: overlay.index_off`);
          else if (k === 'userxattr') config.overlay.userxattr = boolean(v, `${source}: overlay.userxattr`);
          else throw new ConfigError(`${source}: unknown key overlay.${k}`);
        }
        break;
      }
      case 'remote_snapshots':
        config.remoteSnapshots = boolean(value, `${source}: remote_snapshots`);
        break;
      case 'daemon': {
        if (!isTable(value)) throw new ConfigError(`${source}: [daemon] must be a table`);
        for (const [k, v] of Object.entries(value)) {
          const what = `${source}: daemon.${k}`;
          if (k === 'address') config.daemon.address = nonEmptyString(v, what);
          else if (k === 'start_command') config.daemon.startCommand = stringList(v, what);
          else if (k === 'start_timeout') {
            if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new ConfigError(`${what} must be a positive number of seconds`);
            config.daemon.startTimeoutMs = Math.round(v * 1000);
          } else if (k === 'log_file') config.daemon.logFile = nonEmptyString(v, what);
          else throw new ConfigError(`${source}: unknown key daemon.${k}`);
        }
        break;
      }
      case 'registry': {
        if (!isTable(value)) throw new ConfigError(`${source}: [registry] must be a table`);
        for (const [k, v] of Object.entries(value)) {
          const what = `${source}: registry.${k}`;
          if (k === 'docker_config') config.registry.dockerConfig = nonEmptyString(v, what);
          else if (k === 'plain_http') config.registry.plainHttp = stringList(v, what);
          else if (k === 'mirrors') {
            if (!isTable(v)) throw new ConfigError(`${what} must be a table of registry = [mirror hosts]`);
            for (const [registry, hosts] of Object.entries(v)) {
              config.registry.mirrors[registry] = stringList(hosts, `${what}.${registry}`);
            }
          } else throw new ConfigError(`${source}: unknown key registry.${k}`);
        }
        break;
      }
      default:
        throw new ConfigError(`${source}: unknown key ${key}`);
    }
  }
  return config;
}

/** Parses TOML text and validates it. */
export function parseConfig(text: string, source = 'config'): SnapshotterConfig {
  return validateConfig(parseConfigText(text, source), source);
}

/** The configuration from `file` (defaults when none), with flags applied on top. */
export function loadConfig(file: string | undefined, flags: { address?: string; root?: string } = {}): SnapshotterConfig {
  let config = defaults();
  if (file !== undefined) config = parseConfig(readConfigFile(file), file);
  if (flags.address !== undefined) config.address = nonEmptyString(flags.address, '--address');
  if (flags.root !== undefined) config.root = nonEmptyString(flags.root, '--root');
  return config;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function nonEmptyString(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${what} must be a non-empty string`);
  return v;
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) throw new ConfigError(`${what} must be a list of non-empty strings`);
  return [...(v as string[])];
}

function boolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(`${what} must be true or false`);
  return v;
}
