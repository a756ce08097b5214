import { readFile, stat } from 'node:fs/promises';
import type { ImageSource, ImageStoreOptions } from '../src/blob/image-store.js';
import { NotFoundError } from '../src/errors.js';
import { Bootstrap } from '../src/format/index.js';
import { loadImageBootstrap } from '../src/image/bootstrap-layer.js';
import type { ChunkDictionary } from './chunk-store.js';

/** The chunk dictionary `--chunk-dict` names: an earlier darner image, or a bootstrap file. */

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
