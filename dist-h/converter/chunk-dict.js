import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, NotFoundError } from '../src/errors.js';
import { Bootstrap } from '../src/format/index.js';
import { loadImageBootstrap } from '../src/image/bootstrap-layer.js';
/** `--chunk-dict`: a bootstrap file on disk, or a darner image reference. */
export async function loadChunkDictionary(spec, options) {
    const isFile = await stat(spec).then((s) => s.isFile(), () => false);
    if (isFile) {
        const bootstrap = Bootstrap.parse(await readFile(spec));
        // A Nydus blob stores its own metadata after the chunks; only its image says how long it is.
        if (bootstrap.format === 'rafs-v6' && bootstrap.blobs.length > 0)
            throw new InvalidArgumentError(`chunk dictionary ${spec} is a Nydus RAFS v6 bootstrap, which does not record its blobs' sizes: name the Nydus image instead`);
        return { dictionary: dictionaryOf(bootstrap), close: async () => undefined };
    }
    if (spec.startsWith('/') || spec.startsWith('.'))
        throw new NotFoundError(`chunk dictionary ${spec} does not exist`);
    const loaded = await loadImageBootstrap(spec, options);
    const layerSizes = new Map(loaded.image.manifest.layers.map((l) => [l.digest, l.size]));
    const result = {
        dictionary: dictionaryOf(loaded.bootstrap, layerSizes),
        source: loaded.source,
        close: () => loaded.source.close(),
    };
    if (loaded.repository !== undefined)
        result.repository = loaded.repository;
    return result;
}
/**
 * The dictionary of `bootstrap`. A blob a converted image reuses is published with its stored
 * size: a Nydus blob's layer is longer than the chunk region its bootstrap records, so the size
 * comes from the image's layer descriptor (`layerSizes`, by digest) where that is larger.
 */
function dictionaryOf(bootstrap, layerSizes = new Map()) {
    const chunks = [];
    for (let i = 0; i < bootstrap.chunkCount; i += 1)
        chunks.push(bootstrap.chunk(i));
    return {
        chunkSize: bootstrap.chunkSize,
        digestAlgorithm: bootstrap.digestAlgorithm,
        blobs: bootstrap.blobs.map((b) => ({ ...b, compressedSize: Math.max(b.compressedSize, layerSizes.get(`sha256:${b.id}`) ?? 0) })),
        chunks,
    };
}
//# sourceMappingURL=chunk-dict.js.map