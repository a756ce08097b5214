/**
 * The schema tables' errors, held for every key of every config: a value of the wrong kind, and
 * an integer out of its range, are one-line ConfigErrors naming the file, the key and what is
 * allowed; an unknown key names itself. Pure: no files.
 */
import test from 'ava';
import { decodeConfig } from '../src/config-schema.js';
import { ConfigError } from '../src/errors.js';
import { DAEMON_CONFIG_SCHEMA } from '../src/daemon/config.js';
import { SCHEDULER_CONFIG_SCHEMA } from '../src/p2p/scheduler/config.js';
import { SNAPSHOTTER_CONFIG_SCHEMA } from '../snapshotter/config.js';
const SCHEMAS = [
    ['daemon', DAEMON_CONFIG_SCHEMA],
    ['scheduler', SCHEDULER_CONFIG_SCHEMA],
    ['snapshotter', SNAPSHOTTER_CONFIG_SCHEMA],
];
/** A document holding `value` at the dotted `key`. */
function docWith(key, value) {
    const parts = key.split('.');
    let doc = value;
    for (const part of parts.reverse())
        doc = { [part]: doc };
    return doc;
}
/** A value of the wrong kind for the field. */
const wrongKind = (f) => (f.type.type === 'string-table' || f.type.type === 'list-table' ? 7 : { wrong: true });
for (const [name, schema] of SCHEMAS) {
    test(`${name}: a value of the wrong kind names the file and the key, on one line`, (t) => {
        t.true(schema.fields.length > 10);
        for (const f of schema.fields) {
            const err = t.throws(() => decodeConfig(schema, docWith(f.key, wrongKind(f)), `${name}.toml`), { instanceOf: ConfigError }, f.key);
            t.regex(err?.message ?? '', new RegExp(`^${name}\\.toml: ${f.key.replace(/\./g, '\\.')} must be `), f.key);
            t.false(err?.message.includes('\n'), f.key);
        }
    });
    test(`${name}: an integer out of range names the key and its range`, (t) => {
        const integers = schema.fields.filter((f) => f.type.type === 'integer');
        t.true(integers.length > 0 || name === 'snapshotter');
        for (const f of integers) {
            if (f.type.type !== 'integer')
                continue;
            const { min, max } = f.type;
            for (const bad of [min - 1, max === Number.MAX_SAFE_INTEGER ? min + 0.5 : max + 1]) {
                t.throws(() => decodeConfig(schema, docWith(f.key, bad), 'c.toml'), { instanceOf: ConfigError, message: new RegExp(`^c\\.toml: ${f.key.replace(/\./g, '\\.')} must be .*, got ${bad}$`) }, `${f.key} = ${bad}`);
            }
            t.notThrows(() => decodeConfig(schema, docWith(f.key, min), 'c.toml'), `${f.key} = ${min}`);
        }
    });
    test(`${name}: an unknown key names itself, at the top and in a table`, (t) => {
        t.throws(() => decodeConfig(schema, { no_such_key: 1 }, 'c.toml'), { instanceOf: ConfigError, message: 'c.toml: no_such_key: unknown key' });
        for (const s of schema.sections) {
            t.throws(() => decodeConfig(schema, docWith(`${s.key}.no_such_key`, 1), 'c.toml'), { instanceOf: ConfigError, message: `c.toml: ${s.key}.no_such_key: unknown key` }, s.key);
        }
    });
}
//# sourceMappingURL=config-schema.test.js.map