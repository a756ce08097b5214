import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { openImageSource, type ImageSource, type ImageStoreOptions } from '../src/blob/image-store.js';
import { InvalidManifestError, MalformedBootstrapError, NotFoundError } from '../src/errors.js';
import { Bootstrap } from '../src/format/index.js';
import { parseReference } from '../src/oci/reference.js';
import type { ChunkDictionary } from './chunk-store.js';
import { decompressLayer } from './decompress.js';
import { BOOTSTRAP_PATH_IN_LAYER, findBootstrapLayer } from './image-output.js';
import { readTarEntries } from './tar-reader.js';

/**
 * Loading darner images for reuse: the bootstrap of an image (from its bootstrap layer) and the
 * chunk dictionary `--chunk-dict` names (an earlier darner image, or a bootstrap file).
 */

/** Largest bootstrap darner reads into memory (metadata of millions of files fits well below). */
export const MAX_BOOTSTRAP_BYTES = 1 << 30;

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
  source: ImageSource;
  bootstrap: Bootstrap;
  bootstrapBytes: Buffer;
  /** Registry repository of the image, when it lives in a registry. */
  repository?: string;
}

/** Opens a darner image and parses its bootstrap. The caller closes `source`. */
export async function loadImageBootstrap(reference: string, options: ImageStoreOptions): Promise<LoadedImageBootstrap> {
  const ref = parseReference(reference);
  const source = await openImageSource(ref, options);
  try {
    const image = await source.resolve(options.platform);
    const layer = findBootstrapLayer(image.manifest);
    if (!layer) throw new InvalidManifestError(`${reference} is not a darner image (no layer annotated as a bootstrap)`);
    const bytes = await readBootstrapFromLayer(await source.openBlob(layer), reference);
    const loaded: LoadedImageBootstrap = { source, bootstrap: Bootstrap.parse(bytes), bootstrapBytes: bytes };
    if (ref.transport === 'docker') loaded.repository = ref.repository;
    return loaded;
  } catch (err) {
    await source.close();
    throw err;
  }
}

export interface LoadedDictionary {
  dictionary: ChunkDictionary;
  /** Where the dictionary's blobs can be read (to copy them into the target). */
  source?: ImageSource;
  repository?: string;
  close(): Promise<void>;
}

/** `--chunk-dict`: a bootstrap file on disk, or a darner image reference. */
export async function loadChunkDictionary(spec: string, options: ImageStoreOptions): Promise<LoadedDictionary> {
  const isFile = await stat(spec).then((s) => s.isFile(), () => false);
  if (isFile) {
    const bootstrap = Bootstrap.parse(await readFile(spec));
    return { dictionary: dictionaryOf(bootstrap), close: async () => undefined };
  }
  if (spec.startsWith('/') || spec.startsWith('.')) throw new NotFoundError(`chunk dictionary ${spec} does not exist`);
  const loaded = await loadImageBootstrap(spec, options);
  const result: LoadedDictionary = {
    dictionary: dictionaryOf(loaded.bootstrap),
    source: loaded.source,
    close: () => loaded.source.close(),
  };
  if (loaded.repository !== undefined) result.repository = loaded.repository;
  return result;
}

function dictionaryOf(bootstrap: Bootstrap): ChunkDictionary {
  const chunks = [];
  for (let i = 0; i < bootstrap.chunkCount; i += 1) chunks.push(bootstrap.chunk(i));
  return {
    chunkSize: bootstrap.chunkSize,
    digestAlgorithm: bootstrap.digestAlgorithm,
    blobs: [...bootstrap.blobs],
    chunks,
  };
}
