import Database from 'better-sqlite3';
import { DarnerError } from '../src/errors.js';
import type { UnixNanos } from './clock.js';
import type { Kind, Labels, Usage } from './types.js';

/**
 * Snapshot metadata in SQLite (better-sqlite3), the counterpart of containerd's bolt MetaStore.
 *
 * Every read and every change runs inside `withTransaction(writable, fn)`: one SQLite transaction
 * (DEFERRED for reads, IMMEDIATE for writes) around a synchronous `fn`, committed when fn returns
 * and rolled back when it throws. Because fn is synchronous and better-sqlite3 blocks, nothing else
 * in the process runs between the first statement and the commit, so a caller may also do short
 * synchronous filesystem steps (a rename, an fsync) inside fn and have them ordered with the commit.
 *
 * Durability: WAL journal, synchronous=FULL (a commit is on disk when withTransaction returns),
 * and locking_mode=EXCLUSIVE, so a second snapshotter on the same root fails at open instead of
 * sharing the database. The lock is a POSIX lock and goes away with the process.
 *
 * Ids come from AUTOINCREMENT and name the snapshot's directory. A committed id is never handed
 * out again, even after the row is deleted; an id of a transaction that rolled back can be.
 *
 * Times are nanoseconds since the Unix epoch (INTEGER, read back as bigint), as containerd keeps
 * them. Schema 1 kept milliseconds: opening such a database migrates it in place, each time
 * becoming the first nanosecond of its millisecond.
 */

/** One row: a snapshot as stored. `parentKey` is the parent's current name ('' for none). */
export interface SnapshotRecord {
  id: number;
  key: string;
  kind: Kind;
  parentId: number | null;
  parentKey: string;
  labels: Labels;
  created: UnixNanos;
  updated: UnixNanos;
  /** Stored usage: measured at commit for committed snapshots, zero for the others. */
  usage: Usage;
}

export interface NewSnapshot {
  key: string;
  kind: Kind;
  parentId: number | null;
  labels: Labels;
  now: UnixNanos;
  usage?: Usage;
}

/** The operations available inside a transaction. All synchronous. */
export interface MetaTx {
  get(key: string): SnapshotRecord | undefined;
  getById(id: number): SnapshotRecord | undefined;
  /** The committed ancestors of `record`, nearest parent first. */
  parentChain(record: SnapshotRecord): SnapshotRecord[];
  hasChildren(id: number): boolean;
  all(): SnapshotRecord[];
  ids(): Set<number>;
  /** Writable transactions only. */
  insert(snapshot: NewSnapshot): SnapshotRecord;
  /** Turns an active snapshot into a committed one named `name`, keeping its id. */
  commit(id: number, name: string, labels: Labels, usage: Usage, now: UnixNanos): void;
  updateLabels(id: number, labels: Labels, now: UnixNanos): void;
  delete(id: number): void;
}

/** The metadata database could not be opened or is not one this build understands. */
export class MetaStoreError extends DarnerError {
  constructor(message: string, options?: { cause?: unknown }) {
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

interface Row {
  id: number;
  key: string;
  kind: Kind;
  parent_id: number | null;
  parent_key: string | null;
  labels: string;
  /** Decimal text: a nanosecond time needs more than a double's 53 bits. */
  created_ns: string;
  updated_ns: string;
  usage_size: number;
  usage_inodes: number;
}

const SELECT = `
SELECT s.id, s.key, s.kind, s.parent_id, p.key AS parent_key, s.labels,
       CAST(s.created_ns AS TEXT) AS created_ns, CAST(s.updated_ns AS TEXT) AS updated_ns,
       s.usage_size, s.usage_inodes
FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id`;

function toRecord(row: Row): SnapshotRecord {
  return {
    id: row.id,
    key: row.key,
    kind: row.kind,
    parentId: row.parent_id,
    parentKey: row.parent_key ?? '',
    labels: JSON.parse(row.labels) as Labels,
    created: BigInt(row.created_ns),
    updated: BigInt(row.updated_ns),
    usage: { size: row.usage_size, inodes: row.usage_inodes },
  };
}

export class MetaStore {
  private readonly db: Database.Database;
  private readonly statements;
  private writable = false;

  private constructor(db: Database.Database) {
    this.db = db;
    this.statements = {
      byKey: db.prepare<[string], Row>(`${SELECT} WHERE s.key = ?`),
      byId: db.prepare<[number], Row>(`${SELECT} WHERE s.id = ?`),
      all: db.prepare<[], Row>(`${SELECT} ORDER BY s.id`),
      ids: db.prepare<[], { id: number }>('SELECT id FROM snapshots'),
      child: db.prepare<[number], { id: number }>('SELECT id FROM snapshots WHERE parent_id = ? LIMIT 1'),
      insert: db.prepare(
        `INSERT INTO snapshots (key, kind, parent_id, labels, created_ns, updated_ns, usage_size, usage_inodes)
         VALUES (@key, @kind, @parentId, @labels, @now, @now, @size, @inodes)`,
      ),
      commit: db.prepare(
        `UPDATE snapshots SET key = @name, kind = 'committed', labels = @labels, created_ns = @now,
           updated_ns = @now, usage_size = @size, usage_inodes = @inodes WHERE id = @id`,
      ),
      labels: db.prepare('UPDATE snapshots SET labels = @labels, updated_ns = @now WHERE id = @id'),
      delete: db.prepare('DELETE FROM snapshots WHERE id = ?'),
    };
  }

  /** Opens (creating if needed) the database at `file`; throws MetaStoreError if it is locked. */
  static open(file: string): MetaStore {
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        db.close();
        throw new MetaStoreError(`${file}: schema version ${version} is newer than this build (${SCHEMA_VERSION})`);
      }
      // The first write takes the exclusive lock and keeps it until close.
      const migrate = version === 1 ? MIGRATE_FROM_1 : '';
      db.transaction(() => db.exec(`${migrate} ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION};`)).immediate();
    } catch (err) {
      if (err instanceof MetaStoreError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new MetaStoreError(`${file} is in use by another snapshotter`, { cause: err });
      }
      throw new MetaStoreError(`cannot open ${file}: ${(err as Error).message}`, { cause: err });
    }
    return new MetaStore(db);
  }

  /**
   * Runs `fn` in one transaction: committed when it returns, rolled back when it throws.
   * `fn` must be synchronous (a returned promise is refused, since the transaction could not
   * span it).
   */
  withTransaction<T>(writable: boolean, fn: (tx: MetaTx) => T): T {
    if (this.db.inTransaction) throw new MetaStoreError('nested metastore transaction');
    const run = this.db.transaction(() => {
      const result = fn(this.tx);
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new MetaStoreError('metastore transaction callback must be synchronous');
      }
      return result;
    });
    this.writable = writable;
    try {
      return writable ? run.immediate() : run.deferred();
    } finally {
      this.writable = false;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private assertWritable(): void {
    if (!this.writable) throw new MetaStoreError('write in a read-only metastore transaction');
  }

  private readonly tx: MetaTx = {
    get: (key) => {
      const row = this.statements.byKey.get(key);
      return row && toRecord(row);
    },
    getById: (id) => {
      const row = this.statements.byId.get(id);
      return row && toRecord(row);
    },
    parentChain: (record) => {
      const chain: SnapshotRecord[] = [];
      const seen = new Set<number>([record.id]);
      let next = record.parentId;
      while (next !== null) {
        if (seen.has(next)) throw new MetaStoreError(`snapshot ${record.key}: parent cycle at id ${next}`);
        seen.add(next);
        const row = this.statements.byId.get(next);
        if (!row) throw new MetaStoreError(`snapshot ${record.key}: missing parent id ${next}`);
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
      if (!row) throw new MetaStoreError(`snapshot ${s.key}: insert did not persist`);
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
