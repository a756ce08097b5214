/**
 * Reading and parsing configuration files, shared by the daemon's and the snapshotter's config
 * modules: failures become a ConfigError that names the file, with the parser's first line.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, errnoText } from './errors.js';
/** The text of `file`; a ConfigError naming it when it cannot be read. */
export function readConfigFile(file) {
    try {
        return readFileSync(file, 'utf8');
    }
    catch (err) {
        throw new ConfigError(`cannot read ${file}: ${errnoText(err)}`, { cause: err });
    }
}
/** The document in `text` (TOML, or JSON when asked); a ConfigError `<source>: <what is wrong>` otherwise. */
export function parseConfigText(text, source, format = 'toml') {
    try {
        return format === 'json' ? JSON.parse(text) : parseToml(text);
    }
    catch (err) {
        const message = err instanceof TomlError ? err.message.split('\n')[0] : err instanceof Error ? err.message : String(err);
        throw new ConfigError(`${source}: ${message}`, { cause: err });
    }
}
//# sourceMappingURL=config-file.js.map