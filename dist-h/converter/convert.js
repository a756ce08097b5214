import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { openImageSource, openImageTarget } from '../src/blob/image-store.js';
import { chunkDigestsOfRanges, sha256Digest } from '../src/digest.js';
import { NotFoundError, UsageError } from '../src/errors.js';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, writeBootstrap, } from '../src/format/index.js';
import { log } from '../src/log.js';
import { MediaType } from '../src/oci/image-spec.js';
import { formatReference, parseReference } from '../src/oci/reference.js';
import { BlobWriter } from './blob-writer.js';
import { BatchBuffers } from './batch-buffers.js';
import { loadChunkDictionary } from './chunk-dict.js';
import { ChunkStore } from './chunk-store.js';
import { conversionTime, rfc3339 } from './build-time.js';
import { convertedHistory } from './converted-history.js';
import { batchLayout } from './memory-bound.js';
import { compressRanges } from '../src/native.js';
import { buildBootstrapLayer, convertedConfig, convertedManifest, dataBlobDescriptor, jsonBytes } from './image-output.js';
import { LayerChunker } from './layer-chunker.js';
import { applyLayer, DEFAULT_MAX_ENTRIES } from './layer-apply.js';
import { LayerMerger } from './layer-merge.js';
import { layoutBlobsForTrace } from './blob-relayout.js';
import { selectPrefetch } from './prefetch.js';
import { refuseConvertedSource, refuseSourceAsTarget } from './source-target.js';
export function validateChunkSize(size) {
    if (!Number.isSafeInteger(size) || size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE || (size & (size - 1)) !== 0) {
        throw new UsageError(`chunk size ${size} is not a power of two between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}`);
    }
    return size;
}
export async function convertImage(sourceRef, targetRef, options = {}) {
    const started = Date.now();
    sourceRef = typeof sourceRef === 'string' ? parseReference(sourceRef) : sourceRef;
    targetRef = typeof targetRef === 'string' ? parseReference(targetRef) : targetRef;
    const chunkSize = validateChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    const digestAlgorithm = options.digestAlgorithm ?? 'blake3';
    const compressor = options.compressor ?? 'zstd';
    const level = options.compressionLevel ?? 3;
    await refuseSourceAsTarget(sourceRef, targetRef, options.overwrite === true);
    const resources = [];
    try {
        options.progress?.phase?.('resolve', formatReference(sourceRef));
        const source = await openImageSource(sourceRef, options.source ?? {});
        resources.push(() => source.close());
        const image = await source.resolve(options.source?.platform);
        refuseConvertedSource(image.manifest, sourceRef);
        // Open the target early: bad credentials or a read-only transport fail before the work.
        const target = await openImageTarget(targetRef, options.target ?? {});
        resources.push(() => target.close());
        // Blobs are assembled in a work directory; inside an OCI layout target they are then simply
        // renamed into place.
        const workParent = options.workDir ?? (targetRef.transport === 'oci' ? targetRef.dir : tmpdir());
        const workDir = await mkdtemp(join(workParent, '.darner-convert-'));
        resources.unshift(() => rm(workDir, { recursive: true, force: true }));
        const layout = batchLayout(chunkSize, options.maxInFlightBytes);
        const buffers = new BatchBuffers(layout.batchCount, layout.batchBytes);
        const store = new ChunkStore(chunkSize, digestAlgorithm);
        let dictionary;
        if (options.chunkDict !== undefined) {
            dictionary = await loadChunkDictionary(options.chunkDict, options.source ?? {});
            resources.push(() => dictionary?.close() ?? Promise.resolve());
            store.addDictionary(dictionary.dictionary);
        }
        const merger = new LayerMerger();
        const layerBlobs = new Map(); // blob-table index → file in workDir
        const blobsPerLayer = [];
        const totals = { inputBytes: 0, inputTarBytes: 0, fileBytes: 0, chunks: 0, uniqueChunks: 0, duplicateChunks: 0, dictionaryChunks: 0, zeroChunks: 0 };
        const entries = { max: options.maxEntries ?? DEFAULT_MAX_ENTRIES, seen: 0 };
        for (const [index, layer] of image.layers.entries()) {
            options.progress?.layerStart?.(index, image.layers.length, layer);
            const blobsBefore = store.blobs.length;
            const chunker = new LayerChunker({
                chunkSize,
                compressor,
                store,
                digest: (data, lengths) => chunkDigestsOfRanges(digestAlgorithm, data, lengths),
                compress: (data, ranges, out) => compressRanges(level, data, ranges, out),
                createBlob: () => BlobWriter.create(join(workDir, `layer-${index}.blob`)),
                buffers,
            });
            try {
                const counts = await applyLayer(source, layer, merger, chunker, (n) => options.progress?.layerBytes?.(index, n), entries);
                totals.inputBytes += counts.storedBytes;
                totals.inputTarBytes += counts.tarBytes;
                const finished = await chunker.finish();
                if (finished) {
                    const { blob, blobIndex } = finished;
                    store.blobs[blobIndex] = { id: blob.id, compressedSize: blob.compressedSize, chunkInfoOffset: blob.chunkInfoOffset, uncompressedSize: blob.uncompressedSize, chunkCount: 0 };
                    layerBlobs.set(blobIndex, blob.path);
                }
            }
            catch (err) {
                await chunker.abort();
                throw err;
            }
            blobsPerLayer.push(store.blobs.length - blobsBefore);
            const stats = chunker.stats;
            totals.fileBytes += stats.fileBytes;
            totals.chunks += stats.chunks;
            totals.uniqueChunks += stats.uniqueChunks;
            totals.duplicateChunks += stats.duplicateChunks;
            totals.dictionaryChunks += stats.dictionaryChunks;
            totals.zeroChunks += stats.zeroChunks;
            options.progress?.layerDone?.(index, stats);
        }
        options.progress?.phase?.('bootstrap');
        const prefetch = selectPrefetch(merger.root, options.prefetchPatterns ?? [], options.prefetchTrace);
        if (prefetch.traced.length > 0)
            await layoutBlobsForTrace(store.chunks, store.blobs, layerBlobs, prefetch.traced);
        countChunksPerBlob(store.blobs, store.chunks);
        const time = conversionTime(image.config.created, options.sourceDateEpoch);
        const meta = {
            chunkSize,
            digestAlgorithm,
            compressor,
            blobs: store.blobs,
            chunks: store.chunks,
            root: merger.root,
            prefetch: prefetch.files,
            buildTime: time,
        };
        const bootstrap = writeBootstrap(meta);
        const bootstrapLayer = await buildBootstrapLayer(bootstrap);
        const config = convertedConfig(image.config, store.blobs, bootstrapLayer.diffId, {
            history: convertedHistory(image.config.history, blobsPerLayer, rfc3339(time)),
            ...(options.sourceDateEpoch !== undefined ? { created: rfc3339(options.sourceDateEpoch) } : {}),
        });
        const configBytes = jsonBytes(config);
        const configDescriptor = {
            mediaType: MediaType.OCI_CONFIG,
            digest: sha256Digest(configBytes),
            size: configBytes.byteLength,
        };
        const manifest = convertedManifest(configDescriptor, store.blobs, bootstrapLayer.descriptor);
        const manifestBytes = jsonBytes(manifest);
        options.progress?.phase?.('push', formatReference(targetRef));
        let outputBytes = 0;
        for (const [blobIndex, blob] of store.blobs.entries()) {
            const file = layerBlobs.get(blobIndex);
            if (file !== undefined) {
                await putIfMissing(target, blob, { path: file, move: true });
                outputBytes += blob.compressedSize;
            }
            else {
                await copyDictionaryBlob(target, blob, dictionary);
            }
        }
        await putIfMissing(target, { id: bootstrapLayer.descriptor.digest.slice(7), compressedSize: bootstrapLayer.blob.byteLength }, bootstrapLayer.blob);
        await putIfMissing(target, { id: configDescriptor.digest.slice(7), compressedSize: configBytes.byteLength }, configBytes);
        const manifestDigest = options.untagged
            ? await putUntaggedManifest(target, targetRef, manifestBytes)
            : await target.putManifest(manifestBytes, MediaType.OCI_MANIFEST, targetTag(targetRef));
        outputBytes += bootstrapLayer.blob.byteLength + configBytes.byteLength + manifestBytes.byteLength;
        return {
            source: formatReference(sourceRef),
            target: formatReference(targetRef),
            manifestDigest,
            manifest,
            manifestSize: manifestBytes.byteLength,
            inputBytes: totals.inputBytes,
            inputTarBytes: totals.inputTarBytes,
            fileBytes: totals.fileBytes,
            outputBytes,
            blobs: layerBlobs.size,
            dictionaryBlobs: store.dictionaryBlobsUsed.length,
            chunks: totals.chunks,
            uniqueChunks: totals.uniqueChunks,
            duplicateChunks: totals.duplicateChunks,
            dictionaryChunks: totals.dictionaryChunks,
            zeroChunks: totals.zeroChunks,
            bootstrapBytes: bootstrap.byteLength,
            unmatchedPrefetchPatterns: prefetch.unmatched,
            durationMs: Date.now() - started,
        };
    }
    finally {
        for (const release of resources.reverse()) {
            await release().catch((err) => log.warn({ err }, 'cleanup after conversion failed'));
        }
    }
}
/**
 * Stores a manifest under its digest alone: a registry takes it by digest; an OCI layout only
 * needs the blob, since index.json lists what is tagged and the index names the manifest.
 */
async function putUntaggedManifest(target, targetRef, bytes) {
    const digest = sha256Digest(bytes);
    if (targetRef.transport === 'docker')
        return target.putManifest(bytes, MediaType.OCI_MANIFEST, digest);
    await putIfMissing(target, { id: digest.slice(7), compressedSize: bytes.byteLength }, bytes);
    return digest;
}
/** The tag the manifest is pushed under: the target reference's tag, or none for a digest. */
export function targetTag(ref) {
    return ref.transport === 'docker' || ref.transport === 'oci' ? ref.tag : undefined;
}
async function putIfMissing(target, blob, body) {
    const digest = `sha256:${blob.id}`;
    if (await target.hasBlob(digest))
        return;
    await target.putBlob({ digest, size: blob.compressedSize }, body);
}
/** A dictionary blob this image uses must exist in the target: mount it across repositories, or copy it. */
async function copyDictionaryBlob(target, blob, dictionary) {
    const digest = `sha256:${blob.id}`;
    if (await target.hasBlob(digest))
        return;
    if (dictionary?.repository !== undefined && (await target.mountBlob(digest, dictionary.repository)))
        return;
    const source = dictionary?.source;
    if (!source) {
        throw new NotFoundError(`the target lacks dictionary blob ${blob.id} and the dictionary is a bootstrap file, so darner cannot copy it (use the dictionary image's reference)`);
    }
    await target.putBlob({ digest, size: blob.compressedSize }, () => streamOf(source, dataBlobDescriptor(blob)));
}
function streamOf(source, desc) {
    // putBlob wants a synchronous factory; hand it a pass-through fed by the async open.
    const out = new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
    source.openBlob(desc).then((stream) => {
        stream.on('error', (err) => out.destroy(err));
        stream.pipe(out);
    }, (err) => out.destroy(err));
    return out;
}
function countChunksPerBlob(blobs, chunks) {
    for (const blob of blobs)
        blob.chunkCount = 0;
    for (const chunk of chunks) {
        const blob = blobs[chunk.blobIndex];
        if (blob)
            blob.chunkCount += 1;
    }
}
//# sourceMappingURL=convert.js.map