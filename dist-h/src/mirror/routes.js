const REPO = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
const MANIFEST = new RegExp(`^/v2/(${REPO})/manifests/([A-Za-z0-9_][A-Za-z0-9._-]{0,127}|sha256:[0-9a-f]{64})$`);
const BLOB = new RegExp(`^/v2/(${REPO})/blobs/(sha256:[0-9a-f]{64})$`);
/** Any HTTP(S) file of known digest (`darner get`): `/darner/files/sha256:<hex>?url=<url>`. */
const FILE = /^\/darner\/files\/(sha256:[0-9a-f]{64})$/;
export function routeOf(path) {
    if (path.length > 2048)
        return { kind: 'other' };
    if (path === '/v2' || path === '/v2/')
        return { kind: 'base' };
    const m = MANIFEST.exec(path);
    if (m)
        return { kind: 'manifest', repo: m[1], reference: m[2] };
    const b = BLOB.exec(path);
    if (b)
        return { kind: 'blob', repo: b[1], digest: b[2] };
    const f = FILE.exec(path);
    if (f)
        return { kind: 'file', digest: f[1] };
    return { kind: 'other' };
}
/** The origin URL of a file request: http(s) only, no credentials in it. */
export function fileUrl(raw) {
    if (raw === null || raw.length > 4096)
        return undefined;
    try {
        const url = new URL(raw);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' ? url : undefined;
    }
    catch {
        return undefined;
    }
}
/** docker.io is served at registry-1.docker.io. */
export function registryHost(ns, fallback) {
    const host = ns ?? fallback;
    if (!/^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$/.test(host))
        return undefined;
    return host === 'docker.io' ? 'registry-1.docker.io' : host;
}
/** Client headers that the origin gets: what to accept, and the client's own credentials. */
export const PASSED_HEADERS = ['accept', 'authorization', 'user-agent'];
/** Origin answer headers the client gets. */
export const RETURNED_HEADERS = ['content-type', 'content-length', 'docker-content-digest', 'www-authenticate', 'etag', 'docker-distribution-api-version'];
//# sourceMappingURL=routes.js.map