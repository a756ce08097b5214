import { RegistryClient } from '../src/blob/registry.js';
import { sha256Digest } from '../src/digest.js';
import { InvalidManifestError } from '../src/errors.js';
import { log as rootLog } from '../src/log.js';
import { parseManifestOrIndex } from '../src/oci/image-spec.js';
import { layerKind } from '../src/oci/layer-kind.js';
import { selectManifest } from '../src/oci/platform.js';
import { parseReference } from '../src/oci/reference.js';
/** How long a tag's resolution is trusted. */
const TAG_TTL_MS = 30_000;
const MAX_CACHED_MANIFESTS = 256;
export class ImageCatalog {
    access;
    log;
    clients = new Map();
    /** `registry/repo@digest` → manifest and its bytes (insertion order = age, for eviction). */
    manifests = new Map();
    /** `registry/repo:tag` → platform manifest digest and when it was resolved. */
    tags = new Map();
    inflight = new Map();
    localManifests;
    constructor(access = {}, logger = rootLog, localManifests) {
        this.access = access;
        this.log = logger.child({ component: 'image-catalog' });
        this.localManifests = localManifests;
    }
    /**
     * The layer `identity` names, as its image's manifest describes it; undefined when it is not in
     * it. `namespace`: the containerd namespace of the pull (where a pinned manifest may be stored).
     */
    async lookupLayer(identity, namespace) {
        const ref = parseReference(identity.reference);
        if (ref.transport !== 'docker')
            return undefined;
        const plainHttp = identity.plainHttp;
        const pinned = identity.manifestDigest ?? ref.digest;
        let { manifest, digest } = await this.manifest(ref.registry, ref.repository, pinned ?? ref.tag ?? 'latest', plainHttp, namespace);
        let layer = manifest.layers.find((l) => l.digest === identity.layerDigest);
        if (!layer && pinned === undefined) {
            // The tag may have moved since it was cached: resolve it once more.
            this.tags.delete(`${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`);
            ({ manifest, digest } = await this.manifest(ref.registry, ref.repository, ref.tag ?? 'latest', plainHttp));
            layer = manifest.layers.find((l) => l.digest === identity.layerDigest);
        }
        if (!layer)
            return undefined;
        const kind = layerKind(layer);
        return { kind, image: `${ref.registry}/${ref.repository}@${digest}`, manifestDigest: digest, plainHttp: plainHttp || (this.access.plainHttp ?? []).includes(ref.registry) };
    }
    /**
     * Takes a platform manifest read elsewhere (a pull in this process): `bytes` are checked to be
     * an image manifest, and kept under `registry/repository@<their sha256>`; `tag`, when given,
     * resolves to it for a while. Returns the digest.
     */
    remember(registry, repository, bytes, tag) {
        const parsed = parseManifestOrIndex(bytes);
        if (parsed.kind !== 'manifest')
            throw new InvalidManifestError(`${registry}/${repository}: an index, not an image manifest`);
        const digest = sha256Digest(bytes);
        this.keep(`${registry}/${repository}@${digest}`, parsed.manifest, bytes);
        if (tag !== undefined)
            this.tags.set(`${registry}/${repository}:${tag}`, { digest, at: Date.now() });
        return digest;
    }
    /** The bytes of a manifest in the cache, by pinned image (`host/repo@sha256:…`); undefined when not there. */
    manifestBytes(image) {
        return this.manifests.get(image)?.bytes;
    }
    async close() {
        const clients = [...this.clients.values()];
        this.clients.clear();
        await Promise.all(clients.map((c) => c.close()));
    }
    /** The platform manifest for `reference` (a tag or a digest), through the caches. */
    async manifest(registry, repo, reference, plainHttp, namespace) {
        const isDigest = reference.startsWith('sha256:');
        if (isDigest) {
            const cached = this.manifests.get(`${registry}/${repo}@${reference}`);
            if (cached)
                return { manifest: cached.manifest, digest: reference };
        }
        else {
            const tag = this.tags.get(`${registry}/${repo}:${reference}`);
            const cached = tag && Date.now() - tag.at < TAG_TTL_MS ? this.manifests.get(`${registry}/${repo}@${tag.digest}`) : undefined;
            if (tag && cached)
                return { manifest: cached.manifest, digest: tag.digest };
        }
        const key = `${registry}/${repo}${isDigest ? '@' : ':'}${reference}`;
        let pending = this.inflight.get(key);
        if (!pending) {
            const local = isDigest && namespace !== undefined ? this.localManifest(namespace, reference) : Promise.resolve(undefined);
            pending = local
                .then((found) => found ?? this.fetchManifest(registry, repo, reference, plainHttp))
                .finally(() => this.inflight.delete(key));
            this.inflight.set(key, pending);
        }
        const result = await pending;
        this.keep(`${registry}/${repo}@${result.digest}`, result.manifest, result.bytes);
        if (!isDigest)
            this.tags.set(`${registry}/${repo}:${reference}`, { digest: result.digest, at: Date.now() });
        return result;
    }
    /** The image manifest `digest` from containerd's content store, if it is there, whole and an image manifest. */
    async localManifest(namespace, digest) {
        const bytes = await this.localManifests?.(namespace, digest);
        if (bytes === undefined)
            return undefined;
        if (sha256Digest(bytes) !== digest) {
            this.log.warn({ namespace, digest }, "containerd's content for the manifest does not match its digest: reading the registry");
            return undefined;
        }
        try {
            const parsed = parseManifestOrIndex(bytes);
            if (parsed.kind === 'manifest')
                return { manifest: parsed.manifest, digest, bytes };
        }
        catch (err) {
            this.log.warn({ namespace, digest, err: err.message }, "containerd's manifest does not parse: reading the registry");
        }
        return undefined;
    }
    async fetchManifest(registry, repo, reference, plainHttp) {
        const where = `${registry}/${repo}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
        const get = async (ref) => this.getFromMirrors(registry, repo, ref, plainHttp);
        let doc = await get(reference);
        for (let depth = 0; depth < 2; depth++) {
            let parsed;
            try {
                parsed = parseManifestOrIndex(doc.bytes, doc.mediaType || undefined);
            }
            catch (err) {
                throw new InvalidManifestError(`${where}: ${err.message}`);
            }
            if (parsed.kind === 'manifest')
                return { manifest: parsed.manifest, digest: doc.digest, bytes: doc.bytes };
            doc = await get(selectManifest(parsed.index).digest);
        }
        throw new InvalidManifestError(`${where}: indexes nested too deep`);
    }
    /** GETs a manifest from each mirror in turn, then from the registry itself. */
    async getFromMirrors(registry, repo, reference, plainHttp) {
        for (const mirror of this.access.mirrors?.[registry] ?? []) {
            try {
                return await this.client(mirror, plainHttp, true).getManifest(repo, reference);
            }
            catch (err) {
                this.log.warn({ err, mirror, registry, repo, reference }, 'mirror failed; trying the next');
            }
        }
        return this.client(registry, plainHttp).getManifest(repo, reference);
    }
    /** A client per host; a mirror's gets one try per request, so a broken mirror is passed over quickly. */
    client(host, plainHttp, mirror = false) {
        const http = plainHttp || (this.access.plainHttp ?? []).includes(host);
        const key = `${mirror ? 'mirror+' : ''}${http ? 'http' : 'https'}://${host}`;
        let client = this.clients.get(key);
        if (!client) {
            const options = { plainHttp: http };
            if (mirror)
                options.retry = { attempts: 1 };
            if (this.access.dockerConfigPath !== undefined)
                options.dockerConfigPath = this.access.dockerConfigPath;
            if (this.access.timeouts)
                options.timeouts = this.access.timeouts;
            client = new RegistryClient(host, options);
            this.clients.set(key, client);
        }
        return client;
    }
    keep(key, manifest, bytes) {
        this.manifests.delete(key);
        this.manifests.set(key, { manifest, bytes });
        while (this.manifests.size > MAX_CACHED_MANIFESTS) {
            const oldest = this.manifests.keys().next().value;
            if (oldest === undefined)
                break;
            this.manifests.delete(oldest);
        }
    }
}
//# sourceMappingURL=image-catalog.js.map