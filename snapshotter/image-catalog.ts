import { RegistryClient, type RegistryClientOptions, type RegistryTimeouts } from '../src/blob/registry.js';
import { sha256Digest } from '../src/digest.js';
import { InvalidManifestError } from '../src/errors.js';
import { log as rootLog, type Logger } from '../src/log.js';
import { parseManifestOrIndex, type Manifest } from '../src/oci/image-spec.js';
import { layerKind, type LayerKind } from '../src/oci/layer-kind.js';
import { selectManifest } from '../src/oci/platform.js';
import { parseReference } from '../src/oci/reference.js';
import type { LocalManifests } from './containerd-content.js';
import type { LayerIdentity } from './layer-labels.js';

/**
 * Tells whether a layer that containerd is about to unpack is a darner data blob, by reading the
 * image's manifest from the registry: the layer's descriptor must be a data blob's (src/oci/layer-kind.ts:
 * darner's or Nydus's media type or annotation). The labels on a Prepare
 * only say which layer of which image it is; the manifest, fetched by digest when the labels
 * name one (CRI, darner pull) or through the tag otherwise (ctr-remote), decides.
 *
 * Manifests are cached by digest (they never change) and tag resolutions for a short while, and
 * lookups of the same manifest in flight at once are merged, so unpacking an image of n layers
 * reads its manifest once. Registry mirrors are tried in order before the registry itself.
 * A pull running in this process hands its manifest over (`remember`), so the layer lookups of
 * that pull read nothing, and the bytes are kept to be handed on to the daemon when the image is
 * mounted (`manifestBytes`): the manifest crosses the network once per pull. A pull by another
 * client that names the manifest's digest (the CRI plugin) has stored the manifest in
 * containerd's content store before the layers are prepared: with `localManifests`, a pinned
 * manifest is read from there first (its bytes must hash to the digest), and from the registry
 * only when containerd does not have it.
 */

export interface RegistryAccess {
  /** Mirror hosts (`host[:port]`) to try, in order, before each registry (`docker.io` → [...]). */
  mirrors?: Record<string, string[]>;
  /** Registries (`host[:port]`) to speak plain http to (loopback ones always are). */
  plainHttp?: string[];
  /** Docker config file with credentials; undefined: the default one; null: none. */
  dockerConfigPath?: string | null;
  timeouts?: RegistryTimeouts;
}

export interface LayerLookup {
  kind: LayerKind;
  /** The image pinned to the manifest the layer was found in: `host/repo@sha256:…`. */
  image: string;
  manifestDigest: string;
  /** Its registry speaks plain http: the layer's labels said so, or `[registry] plain_http` names it. */
  plainHttp: boolean;
}

/** How long a tag's resolution is trusted. */
const TAG_TTL_MS = 30_000;
const MAX_CACHED_MANIFESTS = 256;

export class ImageCatalog {
  private readonly access: RegistryAccess;
  private readonly log: Logger;
  private readonly clients = new Map<string, RegistryClient>();
  /** `registry/repo@digest` → manifest and its bytes (insertion order = age, for eviction). */
  private readonly manifests = new Map<string, { manifest: Manifest; bytes: Buffer }>();
  /** `registry/repo:tag` → platform manifest digest and when it was resolved. */
  private readonly tags = new Map<string, { digest: string; at: number }>();
  private readonly inflight = new Map<string, Promise<{ manifest: Manifest; digest: string; bytes: Buffer }>>();
  private readonly localManifests: LocalManifests | undefined;

  constructor(access: RegistryAccess = {}, logger: Logger = rootLog, localManifests?: LocalManifests) {
    this.access = access;
    this.log = logger.child({ component: 'image-catalog' });
    this.localManifests = localManifests;
  }

  /**
   * The layer `identity` names, as its image's manifest describes it; undefined when it is not in
   * it. `namespace`: the containerd namespace of the pull (where a pinned manifest may be stored).
   */
  async lookupLayer(identity: LayerIdentity, namespace?: string): Promise<LayerLookup | undefined> {
    const ref = parseReference(identity.reference);
    if (ref.transport !== 'docker') return undefined;
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
    if (!layer) return undefined;
    const kind = layerKind(layer);
    return { kind, image: `${ref.registry}/${ref.repository}@${digest}`, manifestDigest: digest, plainHttp: plainHttp || (this.access.plainHttp ?? []).includes(ref.registry) };
  }

  /**
   * Takes a platform manifest read elsewhere (a pull in this process): `bytes` are checked to be
   * an image manifest, and kept under `registry/repository@<their sha256>`; `tag`, when given,
   * resolves to it for a while. Returns the digest.
   */
  remember(registry: string, repository: string, bytes: Buffer, tag?: string): string {
    const parsed = parseManifestOrIndex(bytes);
    if (parsed.kind !== 'manifest') throw new InvalidManifestError(`${registry}/${repository}: an index, not an image manifest`);
    const digest = sha256Digest(bytes);
    this.keep(`${registry}/${repository}@${digest}`, parsed.manifest, bytes);
    if (tag !== undefined) this.tags.set(`${registry}/${repository}:${tag}`, { digest, at: Date.now() });
    return digest;
  }

  /** The bytes of a manifest in the cache, by pinned image (`host/repo@sha256:…`); undefined when not there. */
  manifestBytes(image: string): Buffer | undefined {
    return this.manifests.get(image)?.bytes;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }

  /** The platform manifest for `reference` (a tag or a digest), through the caches. */
  private async manifest(registry: string, repo: string, reference: string, plainHttp: boolean, namespace?: string): Promise<{ manifest: Manifest; digest: string }> {
    const isDigest = reference.startsWith('sha256:');
    if (isDigest) {
      const cached = this.manifests.get(`${registry}/${repo}@${reference}`);
      if (cached) return { manifest: cached.manifest, digest: reference };
    } else {
      const tag = this.tags.get(`${registry}/${repo}:${reference}`);
      const cached = tag && Date.now() - tag.at < TAG_TTL_MS ? this.manifests.get(`${registry}/${repo}@${tag.digest}`) : undefined;
      if (tag && cached) return { manifest: cached.manifest, digest: tag.digest };
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
    if (!isDigest) this.tags.set(`${registry}/${repo}:${reference}`, { digest: result.digest, at: Date.now() });
    return result;
  }

  /** The image manifest `digest` from containerd's content store, if it is there, whole and an image manifest. */
  private async localManifest(namespace: string, digest: string): Promise<{ manifest: Manifest; digest: string; bytes: Buffer } | undefined> {
    const bytes = await this.localManifests?.(namespace, digest);
    if (bytes === undefined) return undefined;
    if (sha256Digest(bytes) !== digest) {
      this.log.warn({ namespace, digest }, "containerd's content for the manifest does not match its digest: reading the registry");
      return undefined;
    }
    try {
      const parsed = parseManifestOrIndex(bytes);
      if (parsed.kind === 'manifest') return { manifest: parsed.manifest, digest, bytes };
    } catch (err) {
      this.log.warn({ namespace, digest, err: (err as Error).message }, "containerd's manifest does not parse: reading the registry");
    }
    return undefined;
  }

  private async fetchManifest(registry: string, repo: string, reference: string, plainHttp: boolean): Promise<{ manifest: Manifest; digest: string; bytes: Buffer }> {
    const where = `${registry}/${repo}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const get = async (ref: string): Promise<{ bytes: Buffer; digest: string; mediaType: string }> => this.getFromMirrors(registry, repo, ref, plainHttp);
    let doc = await get(reference);
    for (let depth = 0; depth < 2; depth++) {
      let parsed;
      try {
        parsed = parseManifestOrIndex(doc.bytes, doc.mediaType || undefined);
      } catch (err) {
        throw new InvalidManifestError(`${where}: ${(err as Error).message}`);
      }
      if (parsed.kind === 'manifest') return { manifest: parsed.manifest, digest: doc.digest, bytes: doc.bytes };
      doc = await get(selectManifest(parsed.index).digest);
    }
    throw new InvalidManifestError(`${where}: indexes nested too deep`);
  }

  /** GETs a manifest from each mirror in turn, then from the registry itself. */
  private async getFromMirrors(registry: string, repo: string, reference: string, plainHttp: boolean): Promise<{ bytes: Buffer; digest: string; mediaType: string }> {
    for (const mirror of this.access.mirrors?.[registry] ?? []) {
      try {
        return await this.client(mirror, plainHttp, true).getManifest(repo, reference);
      } catch (err) {
        this.log.warn({ err, mirror, registry, repo, reference }, 'mirror failed; trying the next');
      }
    }
    return this.client(registry, plainHttp).getManifest(repo, reference);
  }

  /** A client per host; a mirror's gets one try per request, so a broken mirror is passed over quickly. */
  private client(host: string, plainHttp: boolean, mirror = false): RegistryClient {
    const http = plainHttp || (this.access.plainHttp ?? []).includes(host);
    const key = `${mirror ? 'mirror+' : ''}${http ? 'http' : 'https'}://${host}`;
    let client = this.clients.get(key);
    if (!client) {
      const options: RegistryClientOptions = { plainHttp: http };
      if (mirror) options.retry = { attempts: 1 };
      if (this.access.dockerConfigPath !== undefined) options.dockerConfigPath = this.access.dockerConfigPath;
      if (this.access.timeouts) options.timeouts = this.access.timeouts;
      client = new RegistryClient(host, options);
      this.clients.set(key, client);
    }
    return client;
  }

  private keep(key: string, manifest: Manifest, bytes: Buffer): void {
    this.manifests.delete(key);
    this.manifests.set(key, { manifest, bytes });
    while (this.manifests.size > MAX_CACHED_MANIFESTS) {
      const oldest = this.manifests.keys().next().value;
      if (oldest === undefined) break;
      this.manifests.delete(oldest);
    }
  }
}
