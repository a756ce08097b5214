import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
/** The entries of a one-line sources.list: `deb [options] uri suite [component...]`. */
export function parseSourcesList(text) {
    const sources = [];
    for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        if (line === '')
            continue;
        const tokens = line.replace(/\[[^\]]*\]/, ' ').split(/\s+/).filter(Boolean);
        const [type, uri, suite, ...components] = tokens;
        if (!type || !uri || !suite)
            continue;
        sources.push({ types: [type], uris: [uri], suites: [suite], components });
    }
    return sources;
}
/** The stanzas of a deb822 .sources file; `Enabled: no` ones are left out. */
export function parseDeb822Sources(text) {
    const sources = [];
    for (const stanza of text.split(/\n\s*\n/)) {
        const fields = new Map();
        let last;
        for (const line of stanza.split('\n')) {
            if (line.startsWith('#'))
                continue;
            if (/^\s/.test(line)) {
                if (last !== undefined)
                    fields.set(last, `${fields.get(last)} ${line.trim()}`);
                continue;
            }
            const colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            last = line.slice(0, colon).trim().toLowerCase();
            fields.set(last, line.slice(colon + 1).trim());
        }
        if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no')
            continue;
        const list = (name) => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
        if (list('uris').length === 0)
            continue;
        sources.push({ types: list('types'), uris: list('uris'), suites: list('suites'), components: list('components') });
    }
    return sources;
}
/** The first binary source serving `suite`'s `main` component over a transport debootstrap speaks. */
export function mirrorFor(sources, suite) {
    for (const source of sources) {
        if (!source.types.includes('deb') || !source.suites.includes(suite) || !source.components.includes('main'))
            continue;
        const uri = source.uris.find((u) => /^(https?|file):/.test(u));
        if (uri)
            return uri.replace(/\/+$/, '');
    }
    return undefined;
}
/** Every source apt reads under `etc` (normally /etc/apt), in apt's order. */
export function readAptSources(etc = '/etc/apt') {
    const read = (file) => {
        try {
            return readFileSync(file, 'utf8');
        }
        catch {
            return undefined;
        }
    };
    const sources = parseSourcesList(read(join(etc, 'sources.list')) ?? '');
    let names = [];
    try {
        names = readdirSync(join(etc, 'sources.list.d')).sort();
    }
    catch {
        // no sources.list.d
    }
    for (const name of names) {
        const text = read(join(etc, 'sources.list.d', name));
        if (text === undefined)
            continue;
        if (name.endsWith('.list'))
            sources.push(...parseSourcesList(text));
        else if (name.endsWith('.sources'))
            sources.push(...parseDeb822Sources(text));
    }
    return sources;
}
//# sourceMappingURL=apt-sources.js.map