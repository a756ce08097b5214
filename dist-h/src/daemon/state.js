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
export const STATE_VERSION = 1;
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function checkRecord(r, i) {
    const bad = (why) => {
        throw new ConfigError(`mounts[${i}]: ${why}`);
    };
    if (!isObject(r) || !isObject(r.mount))
        return bad('not a mount record');
    const m = r.mount;
    for (const key of ['id', 'reference', 'mountpoint', 'manifestDigest', 'bootstrapDigest', 'createdAt']) {
        if (typeof m[key] !== 'string' || m[key] === '')
            bad(`mount.${key} must be a non-empty string`);
    }
    if (!Array.isArray(m.blobs) || !m.blobs.every((b) => typeof b === 'string'))
        bad('mount.blobs must be strings');
    if (!isObject(m.labels) || !Object.values(m.labels).every((v) => typeof v === 'string'))
        bad('mount.labels must be strings');
    if (!isBlobId(m.bootstrapDigest))
        bad('mount.bootstrapDigest must be 64 hex digits');
    if (typeof r.ownMountpoint !== 'boolean')
        bad('ownMountpoint must be a boolean');
    return r;
}
export function encodeState(records) {
    const file = { version: STATE_VERSION, mounts: [...records] };
    return `${JSON.stringify(file, null, 2)}\n`;
}
export function decodeState(text) {
    let doc;
    try {
        doc = JSON.parse(text);
    }
    catch (err) {
        throw new ConfigError(`not JSON: ${err.message}`);
    }
    if (!isObject(doc) || doc.version !== STATE_VERSION || !Array.isArray(doc.mounts)) {
        throw new ConfigError(`expected {"version": ${STATE_VERSION}, "mounts": [...]}`);
    }
    return doc.mounts.map(checkRecord);
}
/** The state directory's files. */
export class StateStore {
    dir;
    file;
    bootstrapDir;
    mountDir;
    /** Where each kernel (erofs-mode) mount's blob devices are mounted: devices/<mount id>. */
    deviceRoot;
    constructor(dir) {
        this.dir = dir;
        this.file = join(dir, 'mounts.json');
        this.bootstrapDir = join(dir, 'bootstraps');
        this.mountDir = join(dir, 'mnt');
        this.deviceRoot = join(dir, 'devices');
    }
    deviceDir(mountId) {
        return join(this.deviceRoot, mountId);
    }
    async init() {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await mkdir(this.bootstrapDir, { recursive: true, mode: 0o700 });
        await mkdir(this.mountDir, { recursive: true, mode: 0o755 });
        await mkdir(this.deviceRoot, { recursive: true, mode: 0o700 });
    }
    /** The saved records; [] when there is no file. A bad file is moved aside and reported. */
    async load() {
        let text;
        try {
            text = await readFile(this.file, 'utf8');
        }
        catch (err) {
            if (err.code === 'ENOENT')
                return { records: [] };
            throw err;
        }
        try {
            return { records: decodeState(text) };
        }
        catch (err) {
            const aside = `${this.file}.bad-${Date.now()}`;
            await rename(this.file, aside).catch(() => { });
            return { records: [], problem: `${this.file}: ${err.message} (moved to ${aside})` };
        }
    }
    async save(records) {
        const tmp = `${this.file}.tmp-${process.pid}`;
        await writeFile(tmp, encodeState(records), { mode: 0o600 });
        await rename(tmp, this.file);
    }
    bootstrapPath(digest) {
        return join(this.bootstrapDir, `${digest}.boot`);
    }
    /** Saves a bootstrap under its digest (once; the name is its content). */
    async saveBootstrap(digest, bytes) {
        const path = this.bootstrapPath(digest);
        const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
        await writeFile(tmp, bytes, { mode: 0o600 });
        await rename(tmp, path);
        return path;
    }
}
//# sourceMappingURL=state.js.map