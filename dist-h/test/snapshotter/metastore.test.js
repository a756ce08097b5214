import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { MetaStore } from '../../snapshotter/metastore.js';
function tempFile(t) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-metastore-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, 'metadata.db');
}
test('times are stored and read back to the nanosecond', (t) => {
    const file = tempFile(t);
    const store = MetaStore.open(file);
    const created = 1765000000123456789n;
    const updated = created + 1001n;
    const record = store.withTransaction(true, (tx) => {
        const r = tx.insert({ key: 'a', kind: 'active', parentId: null, labels: {}, now: created });
        tx.updateLabels(r.id, { x: '1' }, updated);
        return tx.get('a');
    });
    store.close();
    t.is(record?.created, created);
    t.is(record?.updated, updated);
    const reopened = MetaStore.open(file);
    t.teardown(() => reopened.close());
    t.deepEqual(reopened.withTransaction(false, (tx) => tx.get('a')), { ...record, labels: { x: '1' } });
});
test('a schema-1 database (milliseconds) is migrated to nanoseconds on open', (t) => {
    const file = tempFile(t);
    const old = new Database(file);
    old.exec(`
    CREATE TABLE snapshots (
      id           INTEGER PRIMARY KEY AUTOINCREMENT,
      key          TEXT    NOT NULL UNIQUE,
      kind         TEXT    NOT NULL CHECK (kind IN ('view', 'active', 'committed')),
      parent_id    INTEGER REFERENCES snapshots(id) ON DELETE RESTRICT,
      labels       TEXT    NOT NULL DEFAULT '{}',
      created_ms   INTEGER NOT NULL,
      updated_ms   INTEGER NOT NULL,
      usage_size   INTEGER NOT NULL DEFAULT 0,
      usage_inodes INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX snapshots_parent ON snapshots(parent_id);
    INSERT INTO snapshots (key, kind, parent_id, labels, created_ms, updated_ms, usage_size, usage_inodes)
      VALUES ('base', 'committed', NULL, '{"l":"v"}', 1700000000123, 1700000000456, 8192, 3);
    INSERT INTO snapshots (key, kind, parent_id, labels, created_ms, updated_ms)
      VALUES ('work', 'active', 1, '{}', 1700000001000, 1700000001000);
    PRAGMA user_version = 1;
  `);
    old.close();
    const store = MetaStore.open(file);
    const records = store.withTransaction(false, (tx) => tx.all());
    t.deepEqual(records.map((r) => [r.key, r.created, r.updated, r.parentKey, r.labels, r.usage]), [
        ['base', 1700000000123000000n, 1700000000456000000n, '', { l: 'v' }, { size: 8192, inodes: 3 }],
        ['work', 1700000001000000000n, 1700000001000000000n, 'base', {}, { size: 0, inodes: 0 }],
    ]);
    // New rows go on after the migrated ones (AUTOINCREMENT kept its counter).
    const added = store.withTransaction(true, (tx) => tx.insert({ key: 'new', kind: 'view', parentId: 1, labels: {}, now: 1700000002000000001n }));
    t.is(added.id, 3);
    t.is(added.created, 1700000002000000001n);
    store.close();
    const check = new Database(file, { readonly: true });
    t.is(check.pragma('user_version', { simple: true }), 2);
    check.close();
    // Opening again does not migrate twice.
    const again = MetaStore.open(file);
    t.is(again.withTransaction(false, (tx) => tx.get('base'))?.created, 1700000000123000000n);
    again.close();
});
//# sourceMappingURL=metastore.test.js.map