import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from '../src/errors.js';

/**
 * `darner snapshotter` configuration: one typed schema, its defaults, and validate(). The TOML
 * file uses snake_case keys; command-line flags override it; the core never sees the file.
 *
 *   address = "/run/darner/snapshotter.sock"   # unix socket containerd dials (proxy_plugins address)
 *   root = "/var/lib/darner/snapshotter"       # metadata.db and snapshots/
 *   async_remove = false                       # leave directory deletion to Cleanup
 *
 *   [overlay]
 *   index_off = true      # add index=off; default: when the kernel has the overlay index parameter
 *   userxattr = false     # add userxattr; default: when running in a user namespace
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
}

export const DEFAULT_CONFIG: Readonly<SnapshotterConfig> = Object.freeze({
  address: '/run/darner/snapshotter.sock',
  root: '/var/lib/darner/snapshotter',
  asyncRemove: false,
  overlay: {},
});

/** Checks a parsed TOML table against the schema; every rule has its own message. */
export function validateConfig(raw: unknown, source = 'config'): SnapshotterConfig {
  if (!isTable(raw)) throw new ConfigError(`${source}: expected a table at the top level`);
  const config: SnapshotterConfig = { ...DEFAULT_CONFIG, overlay: {} };
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
      default:
        throw new ConfigError(`${source}: unknown key ${key}`);
    }
  }
  return config;
}

/** Parses TOML text and validates it. */
export function parseConfig(text: string, source = 'config'): SnapshotterConfig {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const message = err instanceof TomlError ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`${source}: ${message}`, { cause: err });
  }
  return validateConfig(raw, source);
}

/** The configuration from `file` (defaults when none), with flags applied on top. */
export function loadConfig(file: string | undefined, flags: { address?: string; root?: string } = {}): SnapshotterConfig {
  let config: SnapshotterConfig = { ...DEFAULT_CONFIG, overlay: {} };
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    config = parseConfig(text, file);
  }
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

function boolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(`${what} must be true or false`);
  return v;
}
