import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, FailedPreconditionError, ImageMountError, NotFoundError, } from '../src/errors.js';
import { log as rootLog } from '../src/log.js';
import { nowNanos } from './clock.js';
import { diskUsage } from './disk-usage.js';
import { parseFilters, snapshotAdaptor } from './filters.js';
import { applyLabelUpdate, normalizeLabels, validateLabels } from './labels.js';
import { MetaStore } from './metastore.js';
import { deleteSnapshotDirectories, fsyncDirectory } from './directories.js';
import { mountsFitPage, snapshotMounts } from './mounts.js';
import { LABEL_REMOTE } from './remote.js';
import { checkCommit, checkCreate, mustGet, toInfo } from './snapshot-checks.js';
import { LABEL_SNAPSHOT_REF } from './types.js';
export class Snapshotter {
    root;
    snapshotsDir;
    store;
    features;
    asyncRemove;
    remote;
    log;
    pageSize = 4096;
    closed = false;
    constructor(options, store) {
        this.root = path.resolve(options.root);
        this.snapshotsDir = path.join(this.root, 'snapshots');
        this.store = store;
        this.features = {
            indexOff: options.overlay?.indexOff ?? existsSync('/sys/module/overlay/parameters/index'),
            userxattr: options.overlay?.userxattr ?? runningInUserNamespace(),
        };
        this.asyncRemove = options.asyncRemove ?? false;
        this.remote = options.remote;
        this.log = (options.logger ?? rootLog).child({ component: 'snapshotter' });
        this.remote?.attach?.({ list: () => this.read((tx) => tx.all()).map((r) => this.layerRef(r)) });
    }
    /** Opens (creating) the state under `options.root`. Throws MetaStoreError if another process holds it. */
    static open(options) {
        const root = path.resolve(options.root);
        fs.mkdirSync(root, { recursive: true, mode: 0o700 });
        fs.mkdirSync(path.join(root, 'snapshots'), { recursive: true, mode: 0o700 });
        const store = MetaStore.open(path.join(root, 'metadata.db'));
        return new Snapshotter(options, store);
    }
    /** Overlay options in use (after detection). */
    get overlayFeatures() {
        return { ...this.features };
    }
    // ---- read-only requests ------------------------------------------------------------------
    stat(key) {
        return this.read((tx) => toInfo(mustGet(tx, key)));
    }
    /** Every snapshot that matches any of the filters (all when none), in id order. */
    list(filters = []) {
        const filter = parseFilters(filters);
        return this.read((tx) => tx.all().map(toInfo)).filter((info) => filter.match(snapshotAdaptor(info)));
    }
    async mounts(key) {
        const { record, parents } = this.read((tx) => {
            const record = mustGet(tx, key);
            if (record.kind === 'committed') {
                throw new FailedPreconditionError(`snapshot ${key} is committed, not active or view: it has no mounts`);
            }
            return { record, parents: tx.parentChain(record) };
        });
        return this.mountsOf(record, parents);
    }
    /**
     * Committed: the usage measured at commit. Active: the current usage of its fs directory,
     * measured now (a directory walk; containerd does the same). View: zero (a view writes nothing).
     */
    async usage(key) {
        const record = this.read((tx) => mustGet(tx, key));
        if (record.kind !== 'active')
            return record.usage;
        try {
            return await diskUsage(this.fsDir(record.id));
        }
        catch (err) {
            if (err.code === 'ENOENT')
                throw new NotFoundError(`snapshot ${key} does not exist`);
            throw err;
        }
    }
    // ---- changes -----------------------------------------------------------------------------
    prepare(key, parent, labels = {}) {
        return this.create('active', key, parent, labels);
    }
    view(key, parent, labels = {}) {
        return this.create('view', key, parent, labels);
    }
    async commit(name, key, labels = {}) {
        this.assertOpen();
        validateLabels(labels);
        const stored = normalizeLabels(labels);
        // Usage is measured outside the transaction (it walks the tree); if the key changed hands
        // meanwhile (removed and prepared again), measure again.
        for (let attempt = 0;; attempt++) {
            const record = this.read((tx) => checkCommit(tx, name, key));
            const usage = await this.measure(record, key);
            const done = this.write((tx) => {
                const current = checkCommit(tx, name, key);
                if (current.id !== record.id)
                    return false;
                tx.commit(current.id, name, stored, usage, nowNanos());
                return true;
            });
            if (done) {
                this.log.debug({ key, name, id: record.id, usage }, 'committed');
                await this.notifyCommitted(name);
                return;
            }
            if (attempt >= 3)
                throw new FailedPreconditionError(`snapshot ${key} changed while it was being committed`);
        }
    }
    async remove(key) {
        this.assertOpen();
        const record = this.write((tx) => {
            const record = mustGet(tx, key);
            if (tx.hasChildren(record.id)) {
                throw new FailedPreconditionError(`cannot remove snapshot ${key}: it has children`);
            }
            tx.delete(record.id);
            return record;
        });
        this.log.debug({ key, id: record.id }, 'removed');
        if (this.remote?.removed) {
            try {
                await this.remote.removed(this.layerRef(record));
            }
            catch (err) {
                this.log.warn({ err, key, id: record.id }, 'remote layer handler failed on remove');
            }
        }
        // The row is gone for good; a failure below only leaves an orphan for Cleanup.
        if (!this.asyncRemove)
            await deleteSnapshotDirectories(this.snapshotsDir, [String(record.id)], this.log);
    }
    async update(info, paths = []) {
        this.assertOpen();
        const requested = info.labels ?? {};
        validateLabels(requested);
        return this.write((tx) => {
            const record = mustGet(tx, info.name);
            const labels = applyLabelUpdate(info.name, record.labels, requested, paths);
            const now = nowNanos();
            tx.updateLabels(record.id, labels, now);
            return toInfo({ ...record, labels, updated: now });
        });
    }
    /** Deletes every directory under snapshots/ that no snapshot owns; tells the remote handler first. */
    async cleanup() {
        this.assertOpen();
        if (this.remote?.cleanup) {
            const live = this.read((tx) => tx.all()).map((r) => this.layerRef(r));
            try {
                await this.remote.cleanup(live);
            }
            catch (err) {
                this.log.warn({ err }, 'remote layer handler failed on cleanup');
            }
        }
        const orphans = this.read((tx) => {
            const ids = tx.ids();
            return fs.readdirSync(this.snapshotsDir).filter((name) => !(/^\d+$/.test(name) && ids.has(Number(name))));
        });
        await deleteSnapshotDirectories(this.snapshotsDir, orphans, this.log);
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.store.close();
    }
    // ---- internals ---------------------------------------------------------------------------
    async create(kind, key, parent, labels) {
        this.assertOpen();
        validateLabels(labels);
        const stored = normalizeLabels(labels);
        const parents = this.read((tx) => checkCreate(tx, key, parent));
        const chainId = stored[LABEL_SNAPSHOT_REF];
        if (kind === 'active' && chainId !== undefined && this.remote?.prepareLayer) {
            await this.tryRemote(key, parent, stored, chainId, parents);
        }
        const { record, chain } = this.createRecord(kind, key, parent, stored);
        this.log.debug({ key, parent, kind, id: record.id }, 'created');
        try {
            return await this.mountsOf(record, chain);
        }
        catch (err) {
            // The snapshot is useless without its image: take it back so the call fails cleanly.
            if (err instanceof ImageMountError)
                await this.remove(key).catch(() => undefined);
            throw err;
        }
    }
    /** Asks the remote handler about a layer; returns if it is to be unpacked, throws ALREADY_EXISTS if it is remote. */
    async tryRemote(key, parent, labels, chainId, parents) {
        let decision;
        try {
            decision = await this.remote.prepareLayer({
                key,
                parent,
                labels,
                chainId,
                parents: parents.map((p) => this.layerRef(p)),
            });
        }
        catch (err) {
            this.log.warn({ err, key, chainId }, 'remote layer handler failed; unpacking the layer instead');
            return;
        }
        if (!decision.remote)
            return;
        const remoteLabels = normalizeLabels({ ...labels, ...decision.labels, [LABEL_REMOTE]: 'true' });
        validateLabels(remoteLabels);
        const created = this.createCommittedRemote(chainId, parent, remoteLabels);
        this.log.info({ key, chainId, parent, id: created ?? undefined }, created === null ? 'remote layer already present' : 'remote layer committed');
        throw new AlreadyExistsError(`target snapshot "${chainId}": already exists`);
    }
    /** Records a committed, empty layer named `name`; null if that name already exists. */
    createCommittedRemote(name, parent, labels) {
        return this.createWithDirectory('committed', (tx) => {
            if (tx.get(name))
                return null;
            const parents = checkCreate(tx, name, parent);
            return tx.insert({
                key: name,
                kind: 'committed',
                parentId: parents[0]?.id ?? null,
                labels,
                now: nowNanos(),
                usage: { size: 0, inodes: 0 },
            });
        })?.record.id ?? null;
    }
    createRecord(kind, key, parent, labels) {
        const created = this.createWithDirectory(kind, (tx) => {
            const parents = checkCreate(tx, key, parent);
            return tx.insert({ key, kind, parentId: parents[0]?.id ?? null, labels, now: nowNanos() });
        });
        if (!created)
            throw new AlreadyExistsError(`snapshot ${key}: already exists`);
        return created;
    }
    /**
     * Builds a snapshot directory under a temporary name, then runs `insert` in a write
     * transaction and renames the directory to the new id before that transaction commits.
     * Entirely synchronous, so no other request (a Cleanup in particular) can see the temporary
     * directory. Returns null (and leaves nothing behind) when `insert` returns null.
     */
    createWithDirectory(kind, insert) {
        const temp = fs.mkdtempSync(path.join(this.snapshotsDir, 'new-'));
        let placed = null;
        try {
            fs.mkdirSync(path.join(temp, 'fs'), { mode: 0o755 });
            if (kind === 'active')
                fs.mkdirSync(path.join(temp, 'work'), { mode: 0o711 });
            const result = this.write((tx) => {
                const record = insert(tx);
                if (!record)
                    return null;
                const chain = tx.parentChain(record);
                const nearest = chain[0];
                if (nearest) {
                    // Like containerd: the new layer's root belongs to whoever owns the parent's root.
                    const st = fs.lstatSync(this.fsDir(nearest.id));
                    fs.lchownSync(path.join(temp, 'fs'), st.uid, st.gid);
                }
                const target = this.snapshotDir(record.id);
                if (existsSync(target)) {
                    // Left by a transaction that renamed and then rolled back (a crash): an orphan.
                    fs.renameSync(target, path.join(this.snapshotsDir, `rm-${record.id}-${randomBytes(4).toString('hex')}`));
                }
                fs.renameSync(temp, target);
                placed = target;
                fsyncDirectory(this.snapshotsDir);
                return { record, chain };
            });
            if (!result)
                fs.rmSync(temp, { recursive: true, force: true });
            return result;
        }
        catch (err) {
            // The transaction rolled back (or never started): nothing may keep the directory.
            fs.rmSync(placed ?? temp, { recursive: true, force: true });
            throw err;
        }
    }
    async mountsOf(record, parents) {
        if (record.kind === 'committed')
            throw new FailedPreconditionError(`snapshot ${record.key} is committed`);
        let lowerDirs = parents.map((p) => this.fsDir(p.id));
        if (parents.length > 0 && this.remote?.lowerDirs) {
            try {
                const supplied = await this.remote.lowerDirs({
                    snapshot: this.layerRef(record),
                    parents: parents.map((p) => this.layerRef(p)),
                });
                if (supplied)
                    lowerDirs = supplied;
            }
            catch (err) {
                if (err instanceof ImageMountError)
                    throw err;
                this.log.warn({ err, key: record.key }, 'remote layer handler failed on mounts; using the layer directories');
            }
        }
        const mounts = snapshotMounts({
            kind: record.kind,
            upperDir: this.fsDir(record.id),
            workDir: path.join(this.snapshotDir(record.id), 'work'),
            lowerDirs,
        }, this.features);
        if (!mountsFitPage(mounts, this.pageSize)) {
            this.log.warn({ key: record.key, layers: lowerDirs.length }, 'overlay options exceed one page even after containerd compacts them: mounting will fail');
        }
        return mounts;
    }
    async measure(record, key) {
        try {
            return await diskUsage(this.fsDir(record.id));
        }
        catch (err) {
            if (err.code === 'ENOENT')
                throw new NotFoundError(`snapshot ${key} does not exist`);
            throw err;
        }
    }
    /** Tells the remote handler about a layer just committed; its failure is logged, the commit stands. */
    async notifyCommitted(name) {
        if (!this.remote?.committed)
            return;
        try {
            const { record, parents } = this.read((tx) => {
                const record = mustGet(tx, name);
                return { record, parents: tx.parentChain(record) };
            });
            await this.remote.committed({ snapshot: this.layerRef(record), parents: parents.map((p) => this.layerRef(p)) });
        }
        catch (err) {
            this.log.warn({ err, name }, 'remote layer handler failed on commit');
        }
    }
    layerRef(record) {
        return {
            id: record.id,
            name: record.key,
            kind: record.kind,
            labels: { ...record.labels },
            dir: this.fsDir(record.id),
            parentId: record.parentId,
        };
    }
    snapshotDir(id) {
        return path.join(this.snapshotsDir, String(id));
    }
    fsDir(id) {
        return path.join(this.snapshotsDir, String(id), 'fs');
    }
    read(fn) {
        this.assertOpen();
        return this.store.withTransaction(false, fn);
    }
    write(fn) {
        this.assertOpen();
        return this.store.withTransaction(true, fn);
    }
    assertOpen() {
        if (this.closed)
            throw new FailedPreconditionError('snapshotter is closed');
    }
}
/** True inside a user namespace (uid_map is not the identity map of the initial namespace). */
function runningInUserNamespace() {
    try {
        const map = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
        return !(map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
    }
    catch {
        return false;
    }
}
//# sourceMappingURL=snapshotter.js.map