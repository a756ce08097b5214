import type { Readable } from 'node:stream';
import { openImageSource, type ImageSource, type ImageStoreOptions, type ResolvedImage } from '../blob/image-store.js';
import { InvalidManifestError, MalformedBootstrapError } from '../errors.js';
import { Bootstrap } from '../format/index.js';
import { decompressLayer } from '../layer/decompress.js';
import { readTarEntries } from '../layer/tar-reader.js';
import { Annotation, type Descriptor, type Manifest } from '../oci/image-spec.js';
import { parseReference, type ImageReference } from '../oci/reference.js';

/**
 * A darner image's bootstrap as it travels in a registry: the last layer, annotated as the
 * bootstrap, a tar (gzip) holding `image/image.boot`. Used by everything that opens darner
 * images: the daemon (mount), the converter (chunk dictionaries), check, expand and inspect.
 */

/** Path of the bootstrap inside the bootstrap layer, as Nydus names it. */
export const BOOTSTRAP_PATH_IN_LAYER = 'image/image.boot';

/** Largest bootstrap darner reads into memory (metadata of millions of files fits well below). */
export const MAX_BOOTSTRAP_BYTES = 1 << 30;

/** The bootstrap layer of a darner image manifest, or undefined for other images. */
export function findBootstrapLayer(manifest: Manifest): Descriptor | undefined {
  const annotated = manifest.layers.filter((l) => l.annotations?.[Annotation.NYDUS_BOOTSTRAP] === 'true');
  return annotated[annotated.length - 1];
}

/** True when the manifest describes a darner (Nydus-style) image. */
export function isDarnerManifest(manifest: Manifest): boolean {
  return findBootstrapLayer(manifest) !== undefined;
}

/** Extracts `image/image.boot` from a bootstrap layer (tar, usually gzip-compressed). */
export async function readBootstrapFromLayer(layer: Readable, what: string): Promise<Buffer> {
  for await (const { entry, body } of readTarEntries(decompressLayer(layer))) {
    if (entry.path !== BOOTSTRAP_PATH_IN_LAYER || entry.kind !== 'file') continue;
    if (entry.size > MAX_BOOTSTRAP_BYTES) throw new MalformedBootstrapError(`${what}: bootstrap of ${entry.size} bytes is larger than darner reads`);
    const parts: Buffer[] = [];
    for await (const piece of body) parts.push(Buffer.from(piece));
    return Buffer.concat(parts);
  }
  throw new InvalidManifestError(`${what}: the bootstrap layer holds no ${BOOTSTRAP_PATH_IN_LAYER}`);
}

export interface LoadedImageBootstrap {
  reference: ImageReference;
  source: ImageSource;
  image: ResolvedImage;
  bootstrap: Bootstrap;
  bootstrapBytes: Buffer;
  /** Registry repository of the image, when it lives in a registry. */
  repository?: string;
}

/** Opens a darner image and parses its bootstrap. The caller closes `source`. */
export async function loadImageBootstrap(reference: string | ImageReference, options: ImageStoreOptions): Promise<LoadedImageBootstrap> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const source = await openImageSource(ref, options);
  try {
    const image = await source.resolve(options.platform);
    const what = typeof reference === 'string' ? reference : 'image';
    const layer = findBootstrapLayer(image.manifest);
    if (!layer) throw new InvalidManifestError(`${what} is not a darner image (no layer annotated as a bootstrap)`);
    const bytes = await readBootstrapFromLayer(await source.openBlob(layer), what);
    const loaded: LoadedImageBootstrap = { reference: ref, source, image, bootstrap: Bootstrap.parse(bytes), bootstrapBytes: bytes };
    if (ref.transport === 'docker') loaded.repository = ref.repository;
    return loaded;
  } catch (err) {
    await source.close();
    throw err;
  }
}
