/**
 * The config reference tables in docs/: each sits between `<!-- config-table: NAME -->` and
 * `<!-- /config-table -->` and is rendered from its schema. `node dist/test/harness/config-docs.js`
 * rewrites them; test/config-docs.test.ts fails while a table and its schema disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigTable } from '../../src/config-schema.js';
import { DAEMON_CONFIG_SCHEMA } from '../../src/daemon/config.js';
import { SCHEDULER_CONFIG_SCHEMA } from '../../src/p2p/scheduler/config.js';
import { SNAPSHOTTER_CONFIG_SCHEMA } from '../../snapshotter/config.js';
export const DOC_TABLES = [
    { name: 'daemon', doc: 'docs/daemon.md', schema: DAEMON_CONFIG_SCHEMA },
    { name: 'scheduler', doc: 'docs/p2p.md', schema: SCHEDULER_CONFIG_SCHEMA },
    { name: 'snapshotter', doc: 'docs/snapshotter.md', schema: SNAPSHOTTER_CONFIG_SCHEMA },
];
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The table between the markers of `name` in `text`, or undefined without markers. */
export function tableIn(text, name) {
    const open = `<!-- config-table: ${name} -->\n`;
    const start = text.indexOf(open);
    const end = text.indexOf('<!-- /config-table -->', start);
    return start < 0 || end < 0 ? undefined : text.slice(start + open.length, end);
}
export function readDoc(doc) {
    return readFileSync(ROOT + doc, 'utf8');
}
/** Rewrites every table from its schema. */
export function writeDocTables() {
    for (const t of DOC_TABLES) {
        const text = readDoc(t.doc);
        const old = tableIn(text, t.name);
        if (old === undefined)
            throw new Error(`${t.doc} has no config-table markers for ${t.name}`);
        const open = `<!-- config-table: ${t.name} -->\n`;
        writeFileSync(ROOT + t.doc, text.replace(open + old, open + renderConfigTable(t.schema)));
    }
}
if (process.argv[1] === fileURLToPath(import.meta.url))
    writeDocTables();
//# sourceMappingURL=config-docs.js.map