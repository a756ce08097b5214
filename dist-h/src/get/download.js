/**
 * `darner get`: one file (HTTP(S) URL, or an OCI blob `host/repo@sha256:…`) to a local file, through
 * the local daemon's mirror when one runs (pieces through the peer network, each checked; docs/mirror.md)
 * or straight from the origin. Bytes go to `<output>.part`; an interrupted download leaves it, and
 * the next run resumes after it (a Range request, to the origin or to the daemon's mirror, which
 * answers ranges too; a server that ignores the range is read from the start). The whole file is checked
 * against `--digest` before it is renamed into place; a mismatch removes it: no file is left.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { Agent, interceptors, request } from 'undici';
import { DigestMismatchError, InvalidArgumentError, RegistryError } from '../errors.js';
const OCI_REF = /^([A-Za-z0-9.-]+(?::\d{1,5})?)\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)@(sha256:[0-9a-f]{64})$/;
/** An HTTP(S) URL, or `host/repo@sha256:<hex>` (an OCI blob; `plainHttp`: the registry speaks http). */
export function parseGetSource(arg, digest, plainHttp) {
    if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
        throw new InvalidArgumentError(`--digest must be sha256:<64 hex digits>, got ${JSON.stringify(digest)}`);
    const m = OCI_REF.exec(arg);
    if (m) {
        if (digest !== undefined && digest !== m[3])
            throw new InvalidArgumentError(`--digest ${digest} is not the reference's digest ${m[3]}`);
        return { url: new URL(`${plainHttp ? 'http' : 'https'}://${m[1]}/v2/${m[2]}/blobs/${m[3]}`), digest: m[3], oci: { registry: m[1], repo: m[2] } };
    }
    let url;
    try {
        url = new URL(arg);
    }
    catch {
        throw new InvalidArgumentError(`${JSON.stringify(arg)} is neither an http(s) URL nor host/repo@sha256:<hex>`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new InvalidArgumentError(`${arg}: only http and https URLs`);
    return { url, ...(digest !== undefined ? { digest } : {}) };
}
/** The mirror URL that serves `source` (the daemon fetches it through its peers). */
export function mirrorUrl(mirror, source) {
    if (source.oci !== undefined)
        return new URL(`http://${mirror}/v2/${source.oci.repo}/blobs/${source.digest}?ns=${encodeURIComponent(source.oci.registry)}`);
    if (source.digest === undefined)
        return undefined;
    return new URL(`http://${mirror}/darner/files/${source.digest}?url=${encodeURIComponent(source.url.href)}`);
}
export async function download(o) {
    const part = `${o.output}.part`;
    let have = await stat(part).then((s) => s.size, () => 0);
    const hash = createHash('sha256');
    const agent = new Agent({ connect: { timeout: 10_000 }, headersTimeout: 300_000, bodyTimeout: 120_000 });
    const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));
    try {
        const headers = have > 0 && o.ranged ? { range: `bytes=${have}-` } : {};
        const get = async (h) => {
            let r = await request(o.from, { dispatcher, method: 'GET', headers: h, ...(o.signal !== undefined ? { signal: o.signal } : {}) });
            // Credentials only once the server asks, and again while the authorizer has new ones to offer.
            for (let tries = 0; r.statusCode === 401 && tries < 3; tries++) {
                const sent = h.authorization;
                r.body.on('error', () => { });
                r.body.destroy();
                const next = await o.authorize?.(r.headers['www-authenticate'], sent);
                if (next === undefined || next === sent)
                    throw new RegistryError('REGISTRY_UNAUTHORIZED', 401, `GET ${o.from.origin}${o.from.pathname}: HTTP 401${o.refused !== undefined ? `: ${o.refused(sent !== undefined)}` : ''}`);
                h = { ...h, authorization: next };
                r = await request(o.from, { dispatcher, method: 'GET', headers: h, ...(o.signal !== undefined ? { signal: o.signal } : {}) });
            }
            if (r.statusCode === 401)
                throw new RegistryError('REGISTRY_UNAUTHORIZED', 401, `GET ${o.from.origin}${o.from.pathname}: HTTP 401${o.refused !== undefined ? `: ${o.refused(true)}` : ''}`);
            authorization = h.authorization;
            return r;
        };
        let authorization;
        let res = await get(headers);
        if (res.statusCode === 416 && have > 0) {
            // The part is already the whole file (or longer): check it from the start.
            res.body.on('error', () => { });
            res.body.destroy();
            res = await get(authorization !== undefined ? { authorization } : {});
            have = 0;
        }
        if (res.statusCode !== 200 && res.statusCode !== 206) {
            const text = (await res.body.text().catch(() => '')).slice(0, 300).replace(/\s+/g, ' ').trim();
            throw new RegistryError(res.statusCode === 404 ? 'REGISTRY_NOT_FOUND' : 'REGISTRY_ERROR', res.statusCode, `GET ${o.from.origin}${o.from.pathname}: HTTP ${res.statusCode}${text !== '' ? ` ${text}` : ''}`);
        }
        // 206: append after the part. 200 through a ranged origin: it ignored the range, start over.
        // 200 from the mirror: the whole file; the part's bytes are skipped in the answer.
        const append = res.statusCode === 206;
        let skip = !append && !o.ranged ? have : 0;
        if (!append && o.ranged)
            have = 0;
        const length = Number(res.headers['content-length']);
        const total = Number.isSafeInteger(length) ? (append ? have + length : length) : undefined;
        if (have > 0)
            for await (const chunk of createReadStream(part, { end: have - 1 }))
                hash.update(chunk);
        const file = await open(part, have > 0 ? 'r+' : 'w');
        let done = have;
        try {
            if (have > 0)
                await file.truncate(have);
            let at = have;
            for await (const piece of res.body) {
                let bytes = piece;
                if (skip > 0) {
                    const drop = Math.min(skip, bytes.length);
                    skip -= drop;
                    bytes = bytes.subarray(drop);
                    if (bytes.length === 0)
                        continue;
                }
                hash.update(bytes);
                await file.write(bytes, 0, bytes.length, at);
                at += bytes.length;
                done = at;
                o.progress?.(done, total);
            }
            await file.sync();
        }
        catch (err) {
            if (o.signal?.aborted)
                throw err;
            throw new RegistryError('REGISTRY_UNREACHABLE', 0, `GET ${o.from.origin}${o.from.pathname}: interrupted after ${done} bytes (${err.message}); run again to resume`, { cause: err });
        }
        finally {
            await file.close();
        }
        if (total !== undefined && done !== total)
            throw new RegistryError('REGISTRY_UNREACHABLE', 0, `GET ${o.from.origin}${o.from.pathname}: ${done} of ${total} bytes; run again to resume`);
        const actual = `sha256:${hash.digest('hex')}`;
        if (o.digest !== undefined && actual !== o.digest) {
            await rm(part, { force: true });
            throw new DigestMismatchError(`${o.output}: downloaded`, o.digest, actual);
        }
        await rename(part, o.output);
        return { bytes: done, resumed: have, digest: actual };
    }
    finally {
        await agent.destroy().catch(() => undefined);
    }
}
//# sourceMappingURL=download.js.map