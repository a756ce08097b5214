/**
 * The daemon's persistent list of mounts (`<state_dir>/mounts.json`, mode 0600 as it may hold
 * registry credentials), so that a restarted daemon mounts again what its predecessor served.
 * Each image's bootstrap is saved beside it (`<state_dir>/bootstraps/<sha256>.boot`): a restore
 * needs neither the registry nor the file the snapshotter once passed.
 *
 * Written atomically (temp file + rename) after every change. Decoding is strict about shapes,
 * and an unreadable file is kept aside (`mounts.json.bad-<time>`) rather than silently dropped.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { isBlobId } from '../util/hex-id.js';
import type { Credentials, Mount } from './api.js';

export const STATE_VERSION = 1;

/** What a restore needs beyond the Mount itself. */
export interface MountRecord {
  mount: Mount;
  platform?: string;
  plainHttp?: boolean;
  credentials?: Credentials;
  prefetchAll?: boolean;
  /** The bootstrap path the request named (informational; the saved copy is what is used). */
  requestedBootstrap?: string;
  /** True when the daemon chose the mount point (it removes the directory on unmount). */
  ownMountpoint: boolean;
}

interface StateFile {
  version: number;
  mounts: MountRecord[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkRecord(r: unknown, i: number): MountRecord {
  const bad = (why: string): never => {
    throw new ConfigError(`mounts[${i}]: ${why}`);
  };
  if (!isObject(r) || !isObject(r.mount)) return bad('not a mount record');
  const m = r.mount;
  for (const key of ['id', 'reference', 'mountpoint', 'manifestDigest', 'bootstrapDigest', 'createdAt']) {
    if (typeof m[key] !== 'string' || m[key] === '') bad(`mount.${key} must be a non-empty string`);
  }
  if (!Array.isArray(m.blobs) || !m.blobs.every((b) => typeof b === 'string')) bad('mount.blobs must be strings');
  if (!isObject(m.labels) || !Object.values(m.labels).every((v) => typeof v === 'string')) bad('mount.labels must be strings');
  if (!isBlobId(m.bootstrapDigest)) bad('mount.bootstrapDigest must be 64 hex digits');
  if (typeof r.ownMountpoint !== 'boolean') bad('ownMountpoint must be a boolean');
  return r as unknown as MountRecord;
}

export function encodeState(records: readonly MountRecord[]): string {
  const file: StateFile = { version: STATE_VERSION, mounts: [...records] };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function decodeState(text: string): MountRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc) || doc.version !== STATE_VERSION || !Array.isArray(doc.mounts)) {
    throw new ConfigError(`expected {"version": ${STATE_VERSION}, "mounts": [...]}`);
  }
  return doc.mounts.map(checkRecord);
}

/** The state directory's files. */
export class StateStore {
  readonly file: string;
  readonly bootstrapDir: string;
  readonly mountDir: string;
  /** Where each kernel (erofs-mode) mount's blob devices are mounted: devices/<mount id>. */
  readonly deviceRoot: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'mounts.json');
    this.bootstrapDir = join(dir, 'bootstraps');
    this.mountDir = join(dir, 'mnt');
    this.deviceRoot = join(dir, 'devices');
  }

  deviceDir(mountId: string): string {
    return join(this.deviceRoot, mountId);
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await mkdir(this.bootstrapDir, { recursive: true, mode: 0o700 });
    await mkdir(this.mountDir, { recursive: true, mode: 0o755 });
    await mkdir(this.deviceRoot, { recursive: true, mode: 0o700 });
  }

  /** The saved records; [] when there is no file. A bad file is moved aside and reported. */
  async load(): Promise<{ records: MountRecord[]; problem?: string }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [] };
      throw err;
    }
    try {
      return { records: decodeState(text) };
    } catch (err) {
      const aside = `${this.file}.bad-${Date.now()}`;
      await rename(this.file, aside).catch(() => {});
      return { records: [], problem: `${this.file}: ${(err as Error).message} (moved to ${aside})` };
    }
  }

  async save(records: readonly MountRecord[]): Promise<void> {
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, encodeState(records), { mode: 0o600 });
    await rename(tmp, this.file);
  }

  bootstrapPath(digest: string): string {
    return join(this.bootstrapDir, `${digest}.boot`);
  }

  /** Saves a bootstrap under its digest (once; the name is its content). */
  async saveBootstrap(digest: string, bytes: Uint8Array): Promise<string> {
    const path = this.bootstrapPath(digest);
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, path);
    return path;
  }
}
