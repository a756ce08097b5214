/**
 * Config schemas as tables: one row per key (dotted file key, the config object's property path,
 * type, default, allowed values, unit, flag, doc line). Decoding a parsed file, the rules checked
 * on a complete config, the defaults and the reference tables in docs/ all come from the one
 * table, so a key is written once. Pure: files are read and parsed elsewhere (config-file.ts).
 *
 * Every error is one line: `<source>: <key> must be <what is allowed>[, got <value>]`, or
 * `<source>: <key>: unknown key`.
 */
import { isAbsolute } from 'node:path';
import { ConfigError } from './errors.js';
export function isTable(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
function getPath(obj, path) {
    let at = obj;
    for (const part of path.split('.')) {
        if (!isTable(at))
            return undefined;
        at = at[part];
    }
    return at;
}
function setPath(obj, path, value) {
    const parts = path.split('.');
    let at = obj;
    for (const part of parts.slice(0, -1)) {
        if (!isTable(at[part]))
            at[part] = {};
        at = at[part];
    }
    at[parts.at(-1)] = value;
}
/** A value in a message: strings, lists and tables as JSON; numbers as they are (NaN, Infinity too). */
const show = (v) => (typeof v === 'number' ? String(v) : JSON.stringify(v));
/** What a type allows, as the tail of `must be …`. */
export function allowedText(field) {
    const t = field.type;
    switch (t.type) {
        case 'string':
            return t.absolutePath ? 'an absolute path' : t.nonEmpty ? 'a non-empty string' : 'a string';
        case 'integer':
            return t.max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${t.min}` : `an integer from ${t.min} to ${t.max}`;
        case 'number': {
            const unit = field.unit !== undefined ? ` of ${field.unit}` : '';
            if (t.above === 0 && t.min === undefined && t.max === undefined)
                return `a positive number${unit}`;
            const parts = [t.above !== undefined ? `above ${t.above}` : '', t.min !== undefined ? `>= ${t.min}` : '', t.max !== undefined ? `up to ${t.max}` : ''].filter((p) => p !== '');
            return `a number${unit}${parts.length > 0 ? ` ${parts.join(' ')}` : ''}`;
        }
        case 'boolean':
            return 'true or false';
        case 'enum':
            return `one of ${t.values.join(', ')}`;
        case 'string-list':
            return 'a list of non-empty strings';
        case 'string-table':
            return 'a table of strings';
        case 'list-table':
            return 'a table of lists of non-empty strings';
    }
}
/** The message of a value of the wrong kind (before any range or rule). */
function typeError(field, v) {
    const t = field.type;
    switch (t.type) {
        case 'string':
        case 'enum':
            if (typeof v !== 'string')
                return `must be ${t.type === 'string' && t.nonEmpty ? 'a non-empty string' : 'a string'}`;
            if (t.type === 'string' && t.nonEmpty && v === '')
                return 'must be a non-empty string';
            return undefined;
        case 'integer':
        case 'number':
            // TOML integers arrive as numbers (or bigint beyond 2^53, which no setting needs).
            return typeof v === 'number' ? undefined : 'must be a number';
        case 'boolean':
            return typeof v === 'boolean' ? undefined : 'must be true or false';
        case 'string-list':
            if (t.commaString && typeof v === 'string')
                return undefined;
            return Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '') ? undefined : 'must be a list of non-empty strings';
        case 'string-table':
        case 'list-table':
            return isTable(v) ? undefined : `must be ${allowedText(field)}`;
    }
}
/** The message of a well-typed value outside what the field allows, or undefined. */
function ruleError(field, v) {
    const t = field.type;
    const broken = `must be ${allowedText(field)}, got ${show(v)}`;
    switch (t.type) {
        case 'string':
            if (t.nonEmpty && v === '')
                return 'must not be empty';
            if (t.absolutePath && !isAbsolute(v))
                return broken;
            break;
        case 'integer':
            if (!Number.isSafeInteger(v) || v < t.min || v > t.max)
                return broken;
            break;
        case 'number': {
            const n = v;
            if (!Number.isFinite(n) || (t.above !== undefined && !(n > t.above)) || (t.min !== undefined && n < t.min) || (t.max !== undefined && n > t.max))
                return broken;
            break;
        }
        case 'enum':
            if (!t.values.includes(v))
                return broken;
            break;
        default:
            break;
    }
    return field.check?.(v);
}
/** The element keys of a table-valued field, each checked: `p2p.labels.zone must be a string`. */
function decodeTableValue(field, v, source) {
    const out = {};
    for (const [k, item] of Object.entries(v)) {
        const key = `${field.key}.${k}`;
        if (field.type.type === 'string-table') {
            if (typeof item !== 'string')
                throw new ConfigError(`${source}: ${key} must be a string`);
        }
        else if (!Array.isArray(item) || !item.every((s) => typeof s === 'string' && s !== '')) {
            throw new ConfigError(`${source}: ${key} must be a list of non-empty strings`);
        }
        out[k] = Array.isArray(item) ? [...item] : item;
    }
    return out;
}
function decodeValue(field, v, source, ranges) {
    const typeMessage = typeError(field, v);
    if (typeMessage !== undefined)
        throw new ConfigError(`${source}: ${field.key} ${typeMessage}`);
    let value = v;
    if (field.type.type === 'string-list') {
        value = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter((x) => x !== '') : [...v];
    }
    else if (field.type.type === 'string-table' || field.type.type === 'list-table') {
        value = decodeTableValue(field, v, source);
    }
    const rule = ranges ? ruleError(field, value) : undefined;
    if (rule !== undefined)
        throw new ConfigError(`${source}: ${field.key} ${rule}`);
    return field.toConfig !== undefined ? field.toConfig(value) : value;
}
/** A fresh config holding every default (sections created, optional ones left out). */
export function schemaDefaults(schema) {
    const config = {};
    for (const s of schema.sections)
        if (!s.optional)
            setPath(config, s.path, {});
    for (const f of schema.fields) {
        if (f.default === undefined)
            continue;
        const value = structuredClone(f.default);
        setPath(config, f.path, f.toConfig !== undefined ? f.toConfig(value) : value);
    }
    return config;
}
/**
 * Applies a parsed file (TOML or JSON document) over the defaults: every key known, of its type
 * and (unless `ranges` is false: a config whose flags may still replace a value) within its
 * range. The rules over several keys are left to checkConfig.
 */
export function decodeConfig(schema, doc, source, options = {}) {
    const ranges = options.ranges ?? true;
    if (!isTable(doc))
        throw new ConfigError(`${source}: expected a table at the top level`);
    const config = schemaDefaults(schema);
    const fields = new Map(schema.fields.map((f) => [f.key, f]));
    const sections = new Map(schema.sections.map((s) => [s.key, s]));
    const walk = (table, prefix) => {
        for (const [k, v] of Object.entries(table)) {
            const key = prefix === '' ? k : `${prefix}.${k}`;
            const field = fields.get(key);
            if (field !== undefined) {
                setPath(config, field.path, decodeValue(field, v, source, ranges || field.toConfig !== undefined));
                continue;
            }
            const section = sections.get(key);
            if (section === undefined)
                throw new ConfigError(`${source}: ${key}: unknown key`);
            if (!isTable(v))
                throw new ConfigError(`${source}: ${key} must be a table`);
            if (section.optional && !isTable(getPath(config, section.path)))
                setPath(config, section.path, {});
            walk(v, key);
        }
    };
    walk(doc, '');
    return config;
}
/**
 * Checks a complete config (defaults, file and flags merged) against every range and rule; the
 * first broken one is a ConfigError naming the key and `source`. Fields converted on decoding
 * (toConfig) were checked then.
 */
export function checkConfig(schema, config, source) {
    for (const f of schema.fields) {
        if (f.toConfig !== undefined)
            continue;
        const v = getPath(config, f.path);
        if (v === undefined)
            continue;
        const typeMessage = f.type.type === 'string-list' || f.type.type === 'string-table' || f.type.type === 'list-table' ? undefined : typeError(f, v);
        const rule = typeMessage ?? ruleError(f, v);
        if (rule !== undefined)
            throw new ConfigError(`${source}: ${f.key} ${rule}`);
    }
    for (const rule of schema.rules ?? []) {
        const message = rule(config);
        if (message !== undefined)
            throw new ConfigError(`${source}: ${message}`);
    }
    return config;
}
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
function defaultText(f) {
    if (f.defaultDoc !== undefined)
        return f.defaultDoc;
    if (f.default === undefined)
        return 'unset';
    return `\`${JSON.stringify(f.default)}\``;
}
/** The reference table of a schema, as the docs hold it (Markdown, one row per key). */
export function renderConfigTable(schema) {
    const rows = ['| key | flag | allowed | default | what it does |', '|---|---|---|---|---|'];
    for (const f of schema.fields) {
        const unit = f.unit !== undefined && f.type.type !== 'number' ? ` (${f.unit})` : '';
        rows.push(`| \`${f.key}\` | ${f.flag !== undefined ? `\`${f.flag}\`` : ''} | ${cell((f.allowed ?? allowedText(f)) + unit)} | ${cell(defaultText(f))} | ${cell(f.doc)} |`);
    }
    return `${rows.join('\n')}\n`;
}
//# sourceMappingURL=config-schema.js.map