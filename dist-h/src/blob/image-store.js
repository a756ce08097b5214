import { DigestMismatchError, InvalidManifestError, SizeMismatchError, UnsupportedError } from '../errors.js';
import { log } from '../log.js';
import { sha256Digest } from '../digest.js';
import { MAX_CONFIG_SIZE, checkManifestMatchesConfig, configPlatform, isIndexMediaType, parseImageConfig, parseManifestOrIndex, } from '../oci/image-spec.js';
import { formatPlatform, hostPlatform, indexPlatforms, parsePlatformFlag, platformMatches, selectManifest } from '../oci/platform.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { DockerArchive } from './docker-archive.js';
import { OciLayout } from './oci-layout.js';
function wantedPlatform(p) {
    if (p === undefined)
        return hostPlatform();
    return typeof p === 'string' ? parsePlatformFlag(p) : p;
}
function asReference(ref) {
    return typeof ref === 'string' ? parseReference(ref) : ref;
}
/** Parses a config blob and checks it against its manifest. */
function loadConfig(manifest, configBytes, where) {
    if (configBytes.length !== manifest.config.size)
        throw new SizeMismatchError(`${where}: config`, manifest.config.size, configBytes.length);
    const actual = sha256Digest(configBytes);
    if (actual !== manifest.config.digest)
        throw new DigestMismatchError(`${where}: config`, manifest.config.digest, actual);
    let config;
    try {
        config = parseImageConfig(configBytes);
    }
    catch (err) {
        throw new InvalidManifestError(`${where}: ${err.message}`);
    }
    checkManifestMatchesConfig(manifest, config);
    return config;
}
/**
 * Follows a manifest-or-index document down to an image manifest: `fetch(descriptor)` gets a
 * child by digest (already digest-checked). Nested indexes are followed up to two levels; a child
 * must be what its descriptor says (size here, digest by `fetch`).
 */
async function resolveManifest(first, fetch, platform, where) {
    let current = first;
    let indexDigest;
    for (let depth = 0; depth < 3; depth++) {
        let doc;
        try {
            doc = parseManifestOrIndex(current.bytes, current.mediaType);
        }
        catch (err) {
            throw new InvalidManifestError(`${where}: ${err.message}`);
        }
        if (doc.kind === 'manifest') {
            return { manifest: doc.manifest, bytes: current.bytes, digest: current.digest, mediaType: doc.mediaType, ...(indexDigest !== undefined ? { indexDigest } : {}) };
        }
        indexDigest ??= current.digest;
        let desc;
        try {
            desc = selectManifest(doc.index, platform);
        }
        catch (err) {
            if (err instanceof InvalidManifestError)
                throw new InvalidManifestError(`${where}: index ${current.digest}: ${err.message}`);
            throw err;
        }
        const bytes = await fetch(desc);
        if (bytes.length !== desc.size)
            throw new SizeMismatchError(`${where}: manifest ${desc.digest}`, desc.size, bytes.length);
        current = { bytes, digest: desc.digest, mediaType: desc.mediaType };
    }
    throw new InvalidManifestError(`${where}: indexes nested more than two levels deep`);
}
/** The platforms a manifest-or-index document lists: none for a manifest. */
function documentPlatforms(doc, where) {
    try {
        const parsed = parseManifestOrIndex(doc.bytes, doc.mediaType);
        return parsed.kind === 'index' ? indexPlatforms(parsed.index) : [];
    }
    catch (err) {
        throw new InvalidManifestError(`${where}: ${err.message}`);
    }
}
function warnPlatform(config, want, explicit, where) {
    const have = configPlatform(config);
    if (explicit && !platformMatches(want, have)) {
        log.warn({ image: where, wanted: formatPlatform(want), image_platform: formatPlatform(have) }, 'the image is not for the requested platform');
    }
}
/**
 * The ResolvedImage of a manifest and its config blob: the config is checked against the
 * manifest, and a warning logged when an explicitly asked platform does not match the image's.
 */
function resolvedImage(found, configBytes, want, explicit, where) {
    const { manifest } = found;
    const config = loadConfig(manifest, configBytes, where);
    warnPlatform(config, want, explicit && found.indexDigest === undefined, where);
    return {
        manifest,
        manifestBytes: found.bytes,
        manifestDigest: found.digest,
        manifestMediaType: found.mediaType,
        config,
        configBytes,
        configDescriptor: manifest.config,
        layers: manifest.layers,
        ...(found.indexDigest !== undefined ? { indexDigest: found.indexDigest } : {}),
    };
}
// ---------------------------------------------------------------------------------------------
// Registry
class RegistrySource {
    reference;
    client;
    platform;
    constructor(reference, client, platform) {
        this.reference = reference;
        this.client = client;
        this.platform = platform;
    }
    get repo() {
        return this.reference.repository;
    }
    async resolve(platform, signal) {
        const explicit = platform ?? this.platform;
        const want = wantedPlatform(explicit);
        const where = formatReference(this.reference);
        const first = await this.client.getManifest(this.repo, this.reference.digest ?? this.reference.tag, signal);
        const found = await resolveManifest(first, async (desc) => (await this.client.getManifest(this.repo, desc.digest, signal)).bytes, want, where);
        const { manifest } = found;
        const configBytes = await this.client.getBlob(this.repo, manifest.config.digest, { size: manifest.config.size, maxSize: MAX_CONFIG_SIZE, ...(signal ? { signal } : {}) });
        return resolvedImage(found, configBytes, want, explicit !== undefined, where);
    }
    async platforms(signal) {
        const top = await this.client.getManifest(this.repo, this.reference.digest ?? this.reference.tag, signal);
        return documentPlatforms(top, formatReference(this.reference));
    }
    openBlob(desc, signal) {
        return this.client.openBlob(this.repo, desc.digest, { size: desc.size, ...(signal ? { signal } : {}) });
    }
    readBlob(desc, signal, maxSize = MAX_CONFIG_SIZE) {
        return this.client.getBlob(this.repo, desc.digest, { size: desc.size, maxSize, ...(signal ? { signal } : {}) });
    }
    readRange(digest, offset, length, signal) {
        return this.client.readRangeRetrying(this.repo, digest, offset, length, signal);
    }
    blobReader() {
        return { readRange: (digest, offset, length, signal, options) => this.client.readRange(this.repo, digest, offset, length, signal, options) };
    }
    close() {
        return this.client.close();
    }
}
class RegistryTarget {
    reference;
    client;
    constructor(reference, client) {
        this.reference = reference;
        this.client = client;
    }
    async hasBlob(digest, signal) {
        return (await this.client.headBlob(this.reference.repository, digest, signal)) !== undefined;
    }
    putBlob(desc, body, signal) {
        return this.client.pushBlob(this.reference.repository, desc, body, signal ? { signal } : {});
    }
    putBlobStream(stream, signal) {
        return this.client.pushBlobStream(this.reference.repository, stream, signal ? { signal } : {});
    }
    mountBlob(digest, fromRepository, signal) {
        if (fromRepository === this.reference.repository)
            return this.hasBlob(digest, signal);
        return this.client.mountBlob(this.reference.repository, digest, fromRepository, signal);
    }
    putManifest(bytes, mediaType, tag, signal) {
        const reference = tag ?? this.reference.tag ?? sha256Digest(bytes);
        return this.client.putManifest(this.reference.repository, reference, bytes, mediaType, signal);
    }
    close() {
        return this.client.close();
    }
}
// ---------------------------------------------------------------------------------------------
// OCI layout
class OciLayoutSource {
    reference;
    layout;
    platform;
    constructor(reference, layout, platform) {
        this.reference = reference;
        this.layout = layout;
        this.platform = platform;
    }
    async resolve(platform) {
        const explicit = platform ?? this.platform;
        const want = wantedPlatform(explicit);
        const where = formatReference(this.reference);
        const top = await this.findTop(want);
        const read = async (desc) => this.layout.readBlob(desc.digest, desc.size, 4 * 1024 * 1024);
        const first = { bytes: await read(top), digest: top.digest, mediaType: top.mediaType };
        const found = await resolveManifest(first, read, want, where);
        // An index.json entry's media type tells what it points at; the document must agree.
        if (found.indexDigest === undefined && isIndexMediaType(top.mediaType)) {
            throw new InvalidManifestError(`${where}: index.json says ${top.digest} is an index but it is a manifest`);
        }
        const { manifest } = found;
        const configBytes = await this.layout.readBlob(manifest.config.digest, manifest.config.size);
        return resolvedImage(found, configBytes, want, explicit !== undefined, where);
    }
    async platforms() {
        if (this.reference.tag === undefined) {
            const index = await this.layout.readIndex();
            if (index.manifests.length > 1 && index.manifests.every((d) => d.platform !== undefined))
                return indexPlatforms(index);
        }
        const top = await this.layout.findManifest(this.reference.tag);
        if (!isIndexMediaType(top.mediaType))
            return [];
        const bytes = await this.layout.readBlob(top.digest, top.size, 4 * 1024 * 1024);
        return documentPlatforms({ bytes, mediaType: top.mediaType }, formatReference(this.reference));
    }
    /**
     * The index.json entry to start from: by tag; without a tag the only entry, or — when every
     * entry names a platform, as in a multi-platform layout — the entry for the platform.
     */
    async findTop(want) {
        if (this.reference.tag === undefined) {
            const index = await this.layout.readIndex();
            if (index.manifests.length > 1 && index.manifests.every((d) => d.platform !== undefined)) {
                try {
                    return selectManifest(index, want);
                }
                catch (err) {
                    if (err instanceof InvalidManifestError)
                        throw new InvalidManifestError(`${formatReference(this.reference)}: index.json: ${err.message}`);
                    throw err;
                }
            }
        }
        return this.layout.findManifest(this.reference.tag);
    }
    openBlob(desc) {
        return this.layout.openBlob(desc.digest, desc.size);
    }
    readBlob(desc, _signal, maxSize = MAX_CONFIG_SIZE) {
        return this.layout.readBlob(desc.digest, desc.size, maxSize);
    }
    readRange(digest, offset, length, signal) {
        return this.layout.readRange(digest, offset, length, signal);
    }
    blobReader() {
        return this.layout;
    }
    async close() { }
}
class OciLayoutTarget {
    reference;
    layout;
    constructor(reference, layout) {
        this.reference = reference;
        this.layout = layout;
    }
    hasBlob(digest) {
        return this.layout.hasBlob(digest);
    }
    putBlob(desc, body, signal) {
        return this.layout.writeBlob(desc, body, signal);
    }
    putBlobStream(stream, signal) {
        return this.layout.writeBlobStream(stream, signal);
    }
    async mountBlob(digest) {
        return this.layout.hasBlob(digest);
    }
    putManifest(bytes, mediaType, tag) {
        return this.layout.putManifest(bytes, mediaType, tag ?? this.reference.tag);
    }
    async close() { }
}
// ---------------------------------------------------------------------------------------------
// docker-archive
class DockerArchiveSource {
    reference;
    archive;
    loaded;
    constructor(reference, archive) {
        this.reference = reference;
        this.archive = archive;
    }
    /** A docker-archive holds one image per entry, not an index: `platform` is not used to pick. */
    resolve() {
        this.loaded ??= this.archive.loadImage(this.reference.image).then((img) => ({
            manifest: img.manifest,
            manifestBytes: img.manifestBytes,
            manifestDigest: img.manifestDigest,
            manifestMediaType: img.manifest.mediaType,
            config: img.config,
            configBytes: img.configBytes,
            configDescriptor: img.configDescriptor,
            layers: img.layers,
        }));
        return this.loaded;
    }
    async platforms() {
        return [];
    }
    async openBlob(desc) {
        await this.resolve();
        return this.archive.openBlob(desc.digest);
    }
    async readBlob(desc, _signal, maxSize = MAX_CONFIG_SIZE) {
        await this.resolve();
        return this.archive.readBlob(desc.digest, maxSize);
    }
    async readRange(digest, offset, length, signal) {
        await this.resolve();
        return this.archive.readRange(digest, offset, length, signal);
    }
    blobReader() {
        return { readRange: (digest, offset, length, signal) => this.readRange(digest, offset, length, signal) };
    }
    close() {
        return this.archive.close();
    }
}
// ---------------------------------------------------------------------------------------------
/** Loaded on first use: the HTTP stack is a large part of start-up, and oci: or docker-archive: images never need it. */
async function registryClientFor(ref, options) {
    const { RegistryClient } = await import('./registry.js');
    const { platform: _platform, ...clientOptions } = options;
    return new RegistryClient(ref.registry, clientOptions);
}
/** Opens an image for reading. Close it when done. */
export async function openImageSource(reference, options = {}) {
    const ref = asReference(reference);
    switch (ref.transport) {
        case 'docker':
            return new RegistrySource(ref, await registryClientFor(ref, options), options.platform);
        case 'oci':
            return new OciLayoutSource(ref, await OciLayout.open(ref.dir), options.platform);
        case 'docker-archive':
            return new DockerArchiveSource(ref, await DockerArchive.open(ref.path));
    }
}
/** Opens a registry repository or an OCI layout (created if absent) for writing. */
export async function openImageTarget(reference, options = {}) {
    const ref = asReference(reference);
    switch (ref.transport) {
        case 'docker':
            return new RegistryTarget(ref, await registryClientFor(ref, options));
        case 'oci':
            return new OciLayoutTarget(ref, await OciLayout.create(ref.dir));
        case 'docker-archive':
            throw new UnsupportedError(`cannot write to ${formatReference(ref)}: docker-archive is read-only in darner (write to oci: or docker://)`);
    }
}
//# sourceMappingURL=image-store.js.map