/**
 * Preheat of a plain OCI image on a seed: its manifest and every blob (config, layers) are pulled
 * through this daemon's own registry mirror, exactly as containerd would pull them, so the
 * layers land in the cache in verified pieces and are announced for peers to serve. The image's
 * registry must answer anonymous pulls (the seed has no client credentials to pass through).
 */
import { request } from 'undici';
import { PreheatFailedError } from '../errors.js';
const MANIFEST_TYPES = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
/** Manifests are small; a bigger answer is not one. */
const MAX_MANIFEST_BYTES = 4 << 20;
/** What a manifest or index answer holds, bounds-checked. */
export function manifestParts(body) {
    let doc;
    try {
        doc = JSON.parse(body.toString('utf8'));
    }
    catch {
        throw new PreheatFailedError('the registry answered a manifest that is not JSON');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
        throw new PreheatFailedError('the registry answered a manifest that is not a JSON object');
    const o = doc;
    const descriptors = (list) => {
        if (!Array.isArray(list))
            throw new PreheatFailedError('the manifest has no descriptor list');
        return list.map((d) => {
            const digest = d?.digest;
            if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
                throw new PreheatFailedError('the manifest names a blob without a sha256 digest');
            return d;
        });
    };
    if (o.manifests !== undefined)
        return { manifests: descriptors(o.manifests) };
    return { blobs: descriptors([o.config, ...(Array.isArray(o.layers) ? o.layers : [])]) };
}
/** Pulls the image `imageRef` names (`target`) through the mirror at `mirror` (host:port). */
export async function preheatThroughMirror(mirror, imageRef, ref, platform = { os: 'linux', architecture: goArch() }) {
    const base = `http://${mirror}/v2/${ref.repository}`;
    const ns = `?ns=${encodeURIComponent(ref.registry)}`;
    const fetchManifest = async (tagOrDigest) => {
        const res = await request(`${base}/manifests/${tagOrDigest}${ns}`, { headers: { accept: MANIFEST_TYPES } });
        const chunks = [];
        let size = 0;
        for await (const c of res.body) {
            size += c.length;
            if (size > MAX_MANIFEST_BYTES)
                throw new PreheatFailedError(`manifest ${tagOrDigest} of ${imageRef} is over ${MAX_MANIFEST_BYTES} bytes`);
            chunks.push(c);
        }
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200)
            throw new PreheatFailedError(`manifest ${tagOrDigest} of ${imageRef}: HTTP ${res.statusCode} ${oneLine(body.toString('utf8', 0, 300))}`);
        return body;
    };
    let parts = manifestParts(await fetchManifest(ref.reference));
    if (parts.manifests !== undefined) {
        const pick = parts.manifests.find((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture);
        if (pick === undefined)
            throw new PreheatFailedError(`${imageRef} has no manifest for ${platform.os}/${platform.architecture}`);
        parts = manifestParts(await fetchManifest(pick.digest));
    }
    let bytes = 0;
    const blobs = parts.blobs ?? [];
    for (const { digest } of blobs) {
        const res = await request(`${base}/blobs/${digest}${ns}`);
        if (res.statusCode !== 200) {
            const text = await res.body.text().catch(() => '');
            throw new PreheatFailedError(`blob ${digest} of ${imageRef}: HTTP ${res.statusCode} ${oneLine(text.slice(0, 300))}`);
        }
        // The mirror checks every piece and the whole blob; the bytes themselves are not needed here.
        for await (const c of res.body)
            bytes += c.length;
    }
    return { blobs: blobs.length, bytes };
}
/** Pulls the file at `url` (of sha256 `digest`) through the mirror at `mirror`, as `darner get` does. */
export async function preheatFileThroughMirror(mirror, url, digest) {
    const res = await request(`http://${mirror}/darner/files/${digest}?url=${encodeURIComponent(url)}`);
    if (res.statusCode !== 200) {
        const text = await res.body.text().catch(() => '');
        throw new PreheatFailedError(`${url}: HTTP ${res.statusCode} ${oneLine(text.slice(0, 300))}`);
    }
    let bytes = 0;
    // The mirror checks the pieces and the whole file against the digest; a mismatch cuts the answer.
    try {
        for await (const c of res.body)
            bytes += c.length;
    }
    catch (err) {
        throw new PreheatFailedError(`${url}: the mirror cut the download after ${bytes} bytes (${err.message}): the file does not match its digest, or its server failed; the seed's log says which`);
    }
    return { bytes };
}
function goArch() {
    return process.arch === 'x64' ? 'amd64' : process.arch;
}
function oneLine(text) {
    return text.replace(/\s+/g, ' ').trim();
}
//# sourceMappingURL=preheat.js.map