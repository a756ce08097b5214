/**
 * Image stores: one way for the converter and the daemon to read an image from, and write one to,
 * any transport (registry, OCI layout, docker-archive), whatever the reference says.
 *
 *   const source = await openImageSource('docker://127.0.0.1:5000/app:v1', { platform: 'linux/amd64' });
 *   const image = await source.resolve();          // manifest + config, validated and verified
 *   for (const layer of image.layers) pipe(await source.openBlob(layer), ...);
 *   const reader = source.blobReader();            // the daemon's readRange contract
 *
 *   const target = await openImageTarget('oci:/out:v1');
 *   await target.putBlob(desc, { path });          // blobs first,
 *   await target.putManifest(bytes, mediaType);    // the manifest (and tag) last
 *
 * Everything read is checked before it is returned: manifests and configs against the image-spec
 * (image-spec.ts) and their digests, blob streams against their digest at the end.
 */
import type { Readable } from 'node:stream';
import { DigestMismatchError, InvalidManifestError, SizeMismatchError, UnsupportedError } from '../errors.js';
import { log } from '../log.js';
import { sha256Digest } from '../digest.js';
import {
  MAX_CONFIG_SIZE,
  checkManifestMatchesConfig,
  configPlatform,
  isIndexMediaType,
  parseImageConfig,
  parseManifestOrIndex,
  type Descriptor,
  type ImageConfig,
  type Manifest,
  type Platform,
} from '../oci/image-spec.js';
import { formatPlatform, hostPlatform, indexPlatforms, parsePlatformFlag, platformMatches, selectManifest } from '../oci/platform.js';
import { formatReference, parseReference, type ImageReference, type RegistryReference } from '../oci/reference.js';
import type { BlobReader, RangeReadOptions } from './blob-reader.js';
import { DockerArchive } from './docker-archive.js';
import { OciLayout } from './oci-layout.js';
import type { BlobBody, RegistryClient, RegistryClientOptions } from './registry.js';

export interface ImageStoreOptions extends RegistryClientOptions {
  /** Which image of a multi-platform index: `os/arch[/variant]` or a Platform. Default: the host's. */
  platform?: Platform | string;
}

/** An image manifest with its config, as read and checked. */
export interface ResolvedImage {
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: ImageConfig;
  configBytes: Buffer;
  configDescriptor: Descriptor;
  layers: Descriptor[];
  /** The digest of the index the manifest was picked from, when the reference named an index. */
  indexDigest?: string;
}

export interface ImageSource {
  readonly reference: ImageReference;
  /** Reads the manifest (picking from an index by platform) and the config, checking both. */
  resolve(platform?: Platform | string, signal?: AbortSignal): Promise<ResolvedImage>;
  /** The platforms of the index the reference names (indexPlatforms); empty for a single manifest. */
  platforms(signal?: AbortSignal): Promise<Platform[]>;
  /** A blob as a stream that fails at its end (DigestMismatchError) unless the bytes are right. */
  openBlob(desc: Descriptor, signal?: AbortSignal): Promise<Readable>;
  /** A whole (small) blob in memory, verified; at most `maxSize` bytes (default 16 MiB). */
  readBlob(desc: Descriptor, signal?: AbortSignal, maxSize?: number): Promise<Buffer>;
  /**
   * Sources whose blobs are local files: the path of a blob (its size checked), for a reader
   * that verifies the digest itself as it reads.
   */
  blobFile?(desc: Descriptor): Promise<string>;
  /**
   * Exactly `length` bytes of a blob from `offset`, or a typed error. Not verified. Retried like
   * the source's other calls, for tools that read blobs whole.
   */
  readRange(digest: string, offset: number, length: number, signal?: AbortSignal, options?: RangeReadOptions): Promise<Buffer>;
  /** The daemon's contract over this source: one attempt per range read, the caller retries (retry.ts). */
  blobReader(): BlobReader;
  close(): Promise<void>;
}

export interface ImageTarget {
  readonly reference: ImageReference;
  hasBlob(digest: string, signal?: AbortSignal): Promise<boolean>;
  /** Stores a blob whose digest and size are known; the bytes are verified before they count. */
  putBlob(desc: { digest: string; size: number }, body: BlobBody, signal?: AbortSignal): Promise<void>;
  /** Stores a stream whose digest is not known yet; returns digest and size. */
  putBlobStream(stream: Readable, signal?: AbortSignal): Promise<{ digest: string; size: number }>;
  /**
   * Makes a blob of another repository of the same registry available without copying it.
   * False when the target cannot (not a registry, or the registry declined): upload it then.
   */
  mountBlob(digest: string, fromRepository: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Stores a manifest or index, under `tag` (default: the reference's tag; a registry reference
   * with only a digest pushes by digest). Returns its digest. Store every blob it names first.
   */
  putManifest(bytes: Buffer, mediaType: string, tag?: string, signal?: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

function wantedPlatform(p: Platform | string | undefined): Platform {
  if (p === undefined) return hostPlatform();
  return typeof p === 'string' ? parsePlatformFlag(p) : p;
}

function asReference(ref: ImageReference | string): ImageReference {
  return typeof ref === 'string' ? parseReference(ref) : ref;
}

/** Parses a config blob and checks it against its manifest. */
function loadConfig(manifest: Manifest, configBytes: Buffer, where: string): ImageConfig {
  if (configBytes.length !== manifest.config.size) throw new SizeMismatchError(`${where}: config`, manifest.config.size, configBytes.length);
  const actual = sha256Digest(configBytes);
  if (actual !== manifest.config.digest) throw new DigestMismatchError(`${where}: config`, manifest.config.digest, actual);
  let config: ImageConfig;
  try {
    config = parseImageConfig(configBytes);
  } catch (err) {
    throw new InvalidManifestError(`${where}: ${(err as Error).message}`);
  }
  checkManifestMatchesConfig(manifest, config);
  return config;
}

/** The image manifest resolveManifest arrived at, and the index it came through (if any). */
interface FoundManifest {
  manifest: Manifest;
  bytes: Buffer;
  digest: string;
  mediaType: string;
  indexDigest?: string;
}

/**
 * Follows a manifest-or-index document down to an image manifest: `fetch(descriptor)` gets a
 * child by digest (already digest-checked). Nested indexes are followed up to two levels; a child
 * must be what its descriptor says (size here, digest by `fetch`).
 */
async function resolveManifest(
  first: { bytes: Buffer; digest: string; mediaType: string },
  fetch: (desc: Descriptor) => Promise<Buffer>,
  platform: Platform,
  where: string,
): Promise<FoundManifest> {
  let current = first;
  let indexDigest: string | undefined;
  for (let depth = 0; depth < 3; depth++) {
    let doc;
    try {
      doc = parseManifestOrIndex(current.bytes, current.mediaType);
    } catch (err) {
      throw new InvalidManifestError(`${where}: ${(err as Error).message}`);
    }
    if (doc.kind === 'manifest') {
      return { manifest: doc.manifest, bytes: current.bytes, digest: current.digest, mediaType: doc.mediaType, ...(indexDigest !== undefined ? { indexDigest } : {}) };
    }
    indexDigest ??= current.digest;
    let desc: Descriptor;
    try {
      desc = selectManifest(doc.index, platform);
    } catch (err) {
      if (err instanceof InvalidManifestError) throw new InvalidManifestError(`${where}: index ${current.digest}: ${err.message}`);
      throw err;
    }
    const bytes = await fetch(desc);
    if (bytes.length !== desc.size) throw new SizeMismatchError(`${where}: manifest ${desc.digest}`, desc.size, bytes.length);
    current = { bytes, digest: desc.digest, mediaType: desc.mediaType };
  }
  throw new InvalidManifestError(`${where}: indexes nested more than two levels deep`);
}

/** The platforms a manifest-or-index document lists: none for a manifest. */
function documentPlatforms(doc: { bytes: Buffer; mediaType: string }, where: string): Platform[] {
  try {
    const parsed = parseManifestOrIndex(doc.bytes, doc.mediaType);
    return parsed.kind === 'index' ? indexPlatforms(parsed.index) : [];
  } catch (err) {
    throw new InvalidManifestError(`${where}: ${(err as Error).message}`);
  }
}

function warnPlatform(config: ImageConfig, want: Platform, explicit: boolean, where: string): void {
  const have = configPlatform(config);
  if (explicit && !platformMatches(want, have)) {
    log.warn({ image: where, wanted: formatPlatform(want), image_platform: formatPlatform(have) }, 'the image is not for the requested platform');
  }
}

/**
 * The ResolvedImage of a manifest and its config blob: the config is checked against the
 * manifest, and a warning logged when an explicitly asked platform does not match the image's.
 */
function resolvedImage(found: FoundManifest, configBytes: Buffer, want: Platform, explicit: boolean, where: string): ResolvedImage {
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

class RegistrySource implements ImageSource {
  constructor(
    readonly reference: RegistryReference,
    private readonly client: RegistryClient,
    private readonly platform: Platform | string | undefined,
  ) {}

  private get repo(): string {
    return this.reference.repository;
  }

  async resolve(platform?: Platform | string, signal?: AbortSignal): Promise<ResolvedImage> {
    const explicit = platform ?? this.platform;
    const want = wantedPlatform(explicit);
    const where = formatReference(this.reference);
    const first = await this.client.getManifest(this.repo, this.reference.digest ?? this.reference.tag!, signal);
    const found = await resolveManifest(
      first,
      async (desc) => (await this.client.getManifest(this.repo, desc.digest, signal)).bytes,
      want,
      where,
    );
    const { manifest } = found;
    const configBytes = await this.client.getBlob(this.repo, manifest.config.digest, { size: manifest.config.size, maxSize: MAX_CONFIG_SIZE, ...(signal ? { signal } : {}) });
    return resolvedImage(found, configBytes, want, explicit !== undefined, where);
  }

  async platforms(signal?: AbortSignal): Promise<Platform[]> {
    const top = await this.client.getManifest(this.repo, this.reference.digest ?? this.reference.tag!, signal);
    return documentPlatforms(top, formatReference(this.reference));
  }

  openBlob(desc: Descriptor, signal?: AbortSignal): Promise<Readable> {
    return this.client.openBlob(this.repo, desc.digest, { size: desc.size, ...(signal ? { signal } : {}) });
  }

  readBlob(desc: Descriptor, signal?: AbortSignal, maxSize = MAX_CONFIG_SIZE): Promise<Buffer> {
    return this.client.getBlob(this.repo, desc.digest, { size: desc.size, maxSize, ...(signal ? { signal } : {}) });
  }

  readRange(digest: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    return this.client.readRangeRetrying(this.repo, digest, offset, length, signal);
  }

  blobReader(): BlobReader {
    return { readRange: (digest, offset, length, signal, options) => this.client.readRange(this.repo, digest, offset, length, signal, options) };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

class RegistryTarget implements ImageTarget {
  constructor(
    readonly reference: RegistryReference,
    private readonly client: RegistryClient,
  ) {}

  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.client.headBlob(this.reference.repository, digest, signal)) !== undefined;
  }

  putBlob(desc: { digest: string; size: number }, body: BlobBody, signal?: AbortSignal): Promise<void> {
    return this.client.pushBlob(this.reference.repository, desc, body, signal ? { signal } : {});
  }

  putBlobStream(stream: Readable, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    return this.client.pushBlobStream(this.reference.repository, stream, signal ? { signal } : {});
  }

  mountBlob(digest: string, fromRepository: string, signal?: AbortSignal): Promise<boolean> {
    if (fromRepository === this.reference.repository) return this.hasBlob(digest, signal);
    return this.client.mountBlob(this.reference.repository, digest, fromRepository, signal);
  }

  putManifest(bytes: Buffer, mediaType: string, tag?: string, signal?: AbortSignal): Promise<string> {
    const reference = tag ?? this.reference.tag ?? sha256Digest(bytes);
    return this.client.putManifest(this.reference.repository, reference, bytes, mediaType, signal);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// OCI layout

class OciLayoutSource implements ImageSource {
  constructor(
    readonly reference: ImageReference & { transport: 'oci' },
    private readonly layout: OciLayout,
    private readonly platform: Platform | string | undefined,
  ) {}

  async resolve(platform?: Platform | string): Promise<ResolvedImage> {
    const explicit = platform ?? this.platform;
    const want = wantedPlatform(explicit);
    const where = formatReference(this.reference);
    const top = await this.findTop(want);
    const read = async (desc: Descriptor): Promise<Buffer> => this.layout.readBlob(desc.digest, desc.size, 4 * 1024 * 1024);
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

  async platforms(): Promise<Platform[]> {
    if (this.reference.tag === undefined) {
      const index = await this.layout.readIndex();
      if (index.manifests.length > 1 && index.manifests.every((d) => d.platform !== undefined)) return indexPlatforms(index);
    }
    const top = await this.layout.findManifest(this.reference.tag);
    if (!isIndexMediaType(top.mediaType)) return [];
    const bytes = await this.layout.readBlob(top.digest, top.size, 4 * 1024 * 1024);
    return documentPlatforms({ bytes, mediaType: top.mediaType }, formatReference(this.reference));
  }

  /**
   * The index.json entry to start from: by tag; without a tag the only entry, or — when every
   * entry names a platform, as in a multi-platform layout — the entry for the platform.
   */
  private async findTop(want: Platform): Promise<Descriptor> {
    if (this.reference.tag === undefined) {
      const index = await this.layout.readIndex();
      if (index.manifests.length > 1 && index.manifests.every((d) => d.platform !== undefined)) {
        try {
          return selectManifest(index, want);
        } catch (err) {
          if (err instanceof InvalidManifestError) throw new InvalidManifestError(`${formatReference(this.reference)}: index.json: ${err.message}`);
          throw err;
        }
      }
    }
    return this.layout.findManifest(this.reference.tag);
  }

  openBlob(desc: Descriptor): Promise<Readable> {
    return this.layout.openBlob(desc.digest, desc.size);
  }

  blobFile(desc: Descriptor): Promise<string> {
    return this.layout.blobFile(desc.digest, desc.size);
  }

  readBlob(desc: Descriptor, _signal?: AbortSignal, maxSize = MAX_CONFIG_SIZE): Promise<Buffer> {
    return this.layout.readBlob(desc.digest, desc.size, maxSize);
  }

  readRange(digest: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    return this.layout.readRange(digest, offset, length, signal);
  }

  blobReader(): BlobReader {
    return this.layout;
  }

  async close(): Promise<void> {}
}

class OciLayoutTarget implements ImageTarget {
  constructor(
    readonly reference: ImageReference & { transport: 'oci' },
    private readonly layout: OciLayout,
  ) {}

  hasBlob(digest: string): Promise<boolean> {
    return this.layout.hasBlob(digest);
  }

  putBlob(desc: { digest: string; size: number }, body: BlobBody, signal?: AbortSignal): Promise<void> {
    return this.layout.writeBlob(desc, body, signal);
  }

  putBlobStream(stream: Readable, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    return this.layout.writeBlobStream(stream, signal);
  }

  async mountBlob(digest: string): Promise<boolean> {
    return this.layout.hasBlob(digest);
  }

  putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<string> {
    return this.layout.putManifest(bytes, mediaType, tag ?? this.reference.tag);
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// docker-archive

class DockerArchiveSource implements ImageSource {
  private loaded: Promise<ResolvedImage> | undefined;

  constructor(
    readonly reference: ImageReference & { transport: 'docker-archive' },
    private readonly archive: DockerArchive,
  ) {}

  /** A docker-archive holds one image per entry, not an index: `platform` is not used to pick. */
  resolve(): Promise<ResolvedImage> {
    this.loaded ??= this.archive.loadImage(this.reference.image).then((img) => ({
      manifest: img.manifest,
      manifestBytes: img.manifestBytes,
      manifestDigest: img.manifestDigest,
      manifestMediaType: img.manifest.mediaType!,
      config: img.config,
      configBytes: img.configBytes,
      configDescriptor: img.configDescriptor,
      layers: img.layers,
    }));
    return this.loaded;
  }

  async platforms(): Promise<Platform[]> {
    return [];
  }

  async openBlob(desc: Descriptor): Promise<Readable> {
    await this.resolve();
    return this.archive.openBlob(desc.digest);
  }

  async readBlob(desc: Descriptor, _signal?: AbortSignal, maxSize = MAX_CONFIG_SIZE): Promise<Buffer> {
    await this.resolve();
    return this.archive.readBlob(desc.digest, maxSize);
  }

  async readRange(digest: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    await this.resolve();
    return this.archive.readRange(digest, offset, length, signal);
  }

  blobReader(): BlobReader {
    return { readRange: (digest, offset, length, signal) => this.readRange(digest, offset, length, signal) };
  }

  close(): Promise<void> {
    return this.archive.close();
  }
}

// ---------------------------------------------------------------------------------------------

/** Loaded on first use: the HTTP stack is a large part of start-up, and oci: or docker-archive: images never need it. */
async function registryClientFor(ref: RegistryReference, options: ImageStoreOptions): Promise<RegistryClient> {
  const { RegistryClient } = await import('./registry.js');
  const { platform: _platform, ...clientOptions } = options;
  return new RegistryClient(ref.registry, clientOptions);
}

/** Opens an image for reading. Close it when done. */
export async function openImageSource(reference: ImageReference | string, options: ImageStoreOptions = {}): Promise<ImageSource> {
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
export async function openImageTarget(reference: ImageReference | string, options: ImageStoreOptions = {}): Promise<ImageTarget> {
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
