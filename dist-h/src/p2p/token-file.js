/**
 * The cluster's shared token, as the scheduler, the daemon's peer and `darner preheat` read it:
 * from a file (one line) or from DARNER_PEER_TOKEN. Kept apart from the scheduler and the peer so
 * that each reads it without loading the other.
 */
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { log } from '../log.js';
/** The shared token from a file (trailing newline ignored); refuses an empty one. */
export async function readTokenFile(path) {
    let text;
    try {
        text = await readFile(path, 'utf8');
    }
    catch (err) {
        throw new ConfigError(`peer token file ${path}: ${err.message}`, { cause: err });
    }
    const token = text.trim();
    if (token === '')
        throw new ConfigError(`peer token file ${path} is empty`);
    if (/\s/.test(token))
        throw new ConfigError(`peer token file ${path}: the token must be one line without spaces`);
    try {
        if (((await stat(path)).mode & 0o077) !== 0)
            log.warn({ path }, 'peer token file is readable by group or others');
    }
    catch {
        // Only a warning.
    }
    return token;
}
/** DARNER_PEER_TOKEN, when set and not blank. */
export function envToken() {
    const token = process.env.DARNER_PEER_TOKEN?.trim();
    return token === undefined || token === '' ? undefined : token;
}
//# sourceMappingURL=token-file.js.map