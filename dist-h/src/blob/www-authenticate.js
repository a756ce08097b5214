/**
 * Parsing of `WWW-Authenticate` headers (RFC 7235): one or more challenges, each a scheme
 * followed by `key=value` or `key="quoted value"` parameters, e.g.
 *   Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a:pull"
 *   Basic realm="registry"
 *
 * Pure: no I/O. Malformed input never throws; whatever parses is returned.
 */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
export function parseWwwAuthenticate(header) {
    if (header === undefined)
        return [];
    if (Array.isArray(header))
        return header.flatMap((h) => parseWwwAuthenticate(h));
    const s = header;
    let i = 0;
    const challenges = [];
    const skip = (chars) => {
        while (i < s.length && chars.includes(s[i]))
            i++;
    };
    const readToken = () => {
        const start = i;
        while (i < s.length && TOKEN_CHAR.test(s[i]))
            i++;
        return s.slice(start, i);
    };
    const readBare = () => {
        const start = i;
        while (i < s.length && !' \t,'.includes(s[i]))
            i++;
        return s.slice(start, i);
    };
    const readQuoted = () => {
        i++; // opening quote
        let out = '';
        while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length)
                i++;
            out += s[i];
            i++;
        }
        i++; // closing quote
        return out;
    };
    while (i < s.length) {
        skip(' \t,');
        const scheme = readToken();
        if (scheme === '') {
            if (i < s.length)
                i++; // an unexpected character: skip it
            continue;
        }
        const params = {};
        challenges.push({ scheme: scheme.toLowerCase(), params });
        for (;;) {
            skip(' \t,');
            const start = i;
            const key = readToken();
            skip(' \t');
            if (key === '' || s[i] !== '=') {
                i = start; // a new challenge's scheme (or the end)
                break;
            }
            i++; // '='
            skip(' \t');
            params[key.toLowerCase()] = s[i] === '"' ? readQuoted() : readBare();
        }
    }
    return challenges;
}
//# sourceMappingURL=www-authenticate.js.map