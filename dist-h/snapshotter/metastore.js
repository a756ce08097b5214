import Database from 'better-sqlite3';
import { DarnerError } from '../src/errors.js';
/** The metadata database could not be opened or is not one this build understands. */
export class MetaStoreError extends DarnerError {
    constructor(message, options) {
        super('METASTORE', message, options);
    }
}
const SCHEMA_VERSION = 2;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  key          TEXT    NOT NULL UNIQUE,
  kind         TEXT    NOT NULL CHECK (kind IN ('view', 'active', 'committed')),
  parent_id    INTEGER REFERENCES snapshots(id) ON DELETE RESTRICT,
  labels       TEXT    NOT NULL DEFAULT '{}',
  created_ns   INTEGER NOT NULL,
  updated_ns   INTEGER NOT NULL,
  usage_size   INTEGER NOT NULL DEFAULT 0,
  usage_inodes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots(parent_id);
`;
/** Schema 1 → 2: times from milliseconds to nanoseconds. */
const MIGRATE_FROM_1 = `
ALTER TABLE snapshots RENAME COLUMN created_ms TO created_ns;
ALTER TABLE snapshots RENAME COLUMN updated_ms TO updated_ns;
UPDATE snapshots SET created_ns = created_ns * 1000000, updated_ns = updated_ns * 1000000;
`;
const SELECT = `
SELECT s.id, s.key, s.kind, s.parent_id, p.key AS parent_key, s.labels,
       CAST(s.created_ns AS TEXT) AS created_ns, CAST(s.updated_ns AS TEXT) AS updated_ns,
       s.usage_size, s.usage_inodes
FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id`;
function toRecord(row) {
    return {
        id: row.id,
        key: row.key,
        kind: row.kind,
        parentId: row.parent_id,
        parentKey: row.parent_key ?? '',
        labels: JSON.parse(row.labels),
        created: BigInt(row.created_ns),
        updated: BigInt(row.updated_ns),
        usage: { size: row.usage_size, inodes: row.usage_inodes },
    };
}
export class MetaStore {
    db;
    statements;
    writable = false;
    constructor(db) {
        this.db = db;
        this.statements = {
            byKey: db.prepare(`${SELECT} WHERE s.key = ?`),
            byId: db.prepare(`${SELECT} WHERE s.id = ?`),
            all: db.prepare(`${SELECT} ORDER BY s.id`),
            ids: db.prepare('SELECT id FROM snapshots'),
            child: db.prepare('SELECT id FROM snapshots WHERE parent_id = ? LIMIT 1'),
            insert: db.prepare(`INSERT INTO snapshots (key, kind, parent_id, labels, created_ns, updated_ns, usage_size, usage_inodes)
         VALUES (@key, @kind, @parentId, @labels, @now, @now, @size, @inodes)`),
            commit: db.prepare(`UPDATE snapshots SET key = @name, kind = 'committed', labels = @labels, created_ns = @now,
           updated_ns = @now, usage_size = @size, usage_inodes = @inodes WHERE id = @id`),
            labels: db.prepare('UPDATE snapshots SET labels = @labels, updated_ns = @now WHERE id = @id'),
            delete: db.prepare('DELETE FROM snapshots WHERE id = ?'),
        };
    }
    /** Opens (creating if needed) the database at `file`; throws MetaStoreError if it is locked. */
    static open(file) {
        let db;
        try {
            db = new Database(file, { timeout: 0 });
            db.pragma('locking_mode = EXCLUSIVE');
            db.pragma('journal_mode = WAL');
            db.pragma('synchronous = FULL');
            db.pragma('foreign_keys = ON');
            const version = db.pragma('user_version', { simple: true });
            if (version > SCHEMA_VERSION) {
                db.close();
                throw new MetaStoreError(`${file}: schema version ${version} is newer than this build (${SCHEMA_VERSION})`);
            }
            // The first write takes the exclusive lock and keeps it until close.
            const migrate = version === 1 ? MIGRATE_FROM_1 : '';
            db.transaction(() => db.exec(`${migrate} ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION};`)).immediate();
        }
        catch (err) {
            if (err instanceof MetaStoreError)
                throw err;
            const code = err.code;
            if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
                throw new MetaStoreError(`${file} is in use by another snapshotter`, { cause: err });
            }
            throw new MetaStoreError(`cannot open ${file}: ${err.message}`, { cause: err });
        }
        return new MetaStore(db);
    }
    /**
     * Runs `fn` in one transaction: committed when it returns, rolled back when it throws.
     * `fn` must be synchronous (a returned promise is refused, since the transaction could not
     * span it).
     */
    withTransaction(writable, fn) {
        if (this.db.inTransaction)
            throw new MetaStoreError('nested metastore transaction');
        const run = this.db.transaction(() => {
            const result = fn(this.tx);
            if (result && typeof result.then === 'function') {
                throw new MetaStoreError('metastore transaction callback must be synchronous');
            }
            return result;
        });
        this.writable = writable;
        try {
            return writable ? run.immediate() : run.deferred();
        }
        finally {
            this.writable = false;
        }
    }
    close() {
        if (this.db.open)
            this.db.close();
    }
    assertWritable() {
        if (!this.writable)
            throw new MetaStoreError('write in a read-only metastore transaction');
    }
    tx = {
        get: (key) => {
            const row = this.statements.byKey.get(key);
            return row && toRecord(row);
        },
        getById: (id) => {
            const row = this.statements.byId.get(id);
            return row && toRecord(row);
        },
        parentChain: (record) => {
            const chain = [];
            const seen = new Set([record.id]);
            let next = record.parentId;
            while (next !== null) {
                if (seen.has(next))
                    throw new MetaStoreError(`snapshot ${record.key}: parent cycle at id ${next}`);
                seen.add(next);
                const row = this.statements.byId.get(next);
                if (!row)
                    throw new MetaStoreError(`snapshot ${record.key}: missing parent id ${next}`);
                const parent = toRecord(row);
                chain.push(parent);
                next = parent.parentId;
            }
            return chain;
        },
        hasChildren: (id) => this.statements.child.get(id) !== undefined,
        all: () => this.statements.all.all().map(toRecord),
        ids: () => new Set(this.statements.ids.all().map((r) => r.id)),
        insert: (s) => {
            this.assertWritable();
            const info = this.statements.insert.run({
                key: s.key,
                kind: s.kind,
                parentId: s.parentId,
                labels: JSON.stringify(s.labels),
                now: s.now,
                size: s.usage?.size ?? 0,
                inodes: s.usage?.inodes ?? 0,
            });
            const row = this.statements.byId.get(Number(info.lastInsertRowid));
            if (!row)
                throw new MetaStoreError(`snapshot ${s.key}: insert did not persist`);
            return toRecord(row);
        },
        commit: (id, name, labels, usage, now) => {
            this.assertWritable();
            this.statements.commit.run({
                id,
                name,
                labels: JSON.stringify(labels),
                now,
                size: usage.size,
                inodes: usage.inodes,
            });
        },
        updateLabels: (id, labels, now) => {
            this.assertWritable();
            this.statements.labels.run({ id, labels: JSON.stringify(labels), now });
        },
        delete: (id) => {
            this.assertWritable();
            this.statements.delete.run(id);
        },
    };
}
//# sourceMappingURL=metastore.js.map