/** The config reference tables in docs/ are the schemas' own (regenerate: node dist/test/harness/config-docs.js). */
import test from 'ava';
import { renderConfigTable } from '../src/config-schema.js';
import { DOC_TABLES, readDoc, tableIn } from './harness/config-docs.js';
for (const t of DOC_TABLES) {
    test(`${t.doc}: the ${t.name} config table matches its schema`, (tt) => {
        const schema = t.schema;
        const table = tableIn(readDoc(t.doc), t.name);
        tt.not(table, undefined, `${t.doc} has no <!-- config-table: ${t.name} --> markers`);
        tt.is(table, renderConfigTable(schema));
        // Every key of the schema has its row (the rendering is not empty by accident).
        for (const f of schema.fields)
            tt.true(table.includes(`| \`${f.key}\` |`), f.key);
    });
}
//# sourceMappingURL=config-docs.test.js.map