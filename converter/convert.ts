import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { openImageSource, openImageTarget, type ImageSource, type ImageStoreOptions, type ImageTarget } from '../src/blob/image-store.js';
import { chunkDigestsOfRanges, sha256Digest } from '../src/digest.js';
import { NotFoundError, UsageError } from '../src/errors.js';
import {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  writeBootstrap,
  type BlobRecord,
  type ChunkDigestAlgorithm,
  type Compressor,
  type ImageMetadata,
} from '../src/format/index.js';
import { log } from '../src/log.js';
import { MediaType, type Descriptor, type Manifest } from '../src/oci/image-spec.js';
import { formatReference, parseReference, type ImageReference } from '../src/oci/reference.js';
import { BlobWriter } from './blob-writer.js';
import { BatchBuffers } from './batch-buffers.js';
import { loadChunkDictionary, type LoadedDictionary } from './chunk-dict.js';
import { ChunkStore } from './chunk-store.js';
import { conversionTime, rfc3339 } from './build-time.js';
import { convertedHistory } from './converted-history.js';
import { batchLayout } from './memory-bound.js';
import { compressRanges } from '../src/native.js';
import { buildBootstrapLayer, convertedConfig, convertedManifest, dataBlobDescriptor, jsonBytes, type LayerAnnotationStyle } from './image-output.js';
import { nydusUnreadableReason } from './nydus-readable.js';
import { LayerChunker, type LayerChunkStats } from './layer-chunker.js';
import { applyLayer, DEFAULT_MAX_ENTRIES } from './layer-apply.js';
import { LayerMerger } from './layer-merge.js';
import { layoutBlobsForTrace } from './blob-relayout.js';
import { selectPrefetch } from './prefetch.js';
import { refuseConvertedSource, refuseSourceAsTarget } from './source-target.js';
import type { AccessTrace } from '../src/format/access-trace.js';

/**
 * `darner convert`: an OCI image in, a darner image out.
 *
 * Per source layer (in order): stream the blob (digest-verified by the image source), decompress,
 * walk the tar, merge each entry into the image tree (whiteouts applied), and cut regular files
 * into chunks that are deduplicated against everything seen so far (and the chunk dictionary),
 * compressed in parallel and appended to the layer's data blob. Then the bootstrap is written
 * from the merged tree and the tables, wrapped in its layer, and the image is pushed: data blobs
 * and dictionary blobs first, then bootstrap layer and config, the manifest (and tag) last, so a
 * failure never leaves a tag pointing at a partial image.
 */

export interface ConvertOptions {
  chunkSize?: number;
  digestAlgorithm?: ChunkDigestAlgorithm;
  compressor?: Compressor;
  /** zstd level (default 3, as `zstd -3`). */
  compressionLevel?: number;
  /** An earlier darner image (reference) or bootstrap file whose chunks may be reused. */
  chunkDict?: string;
  /** Absolute paths in the image to prefetch on mount (see prefetch.ts). */
  prefetchPatterns?: string[];
  /**
   * An access trace (`darner mount --record`): its files lead the prefetch list, in access order,
   * and their chunks are stored first in each blob (trace-layout.ts).
   */
  prefetchTrace?: AccessTrace;
  /** Options for reading the source (auth, plain http, platform). */
  source?: ImageStoreOptions;
  /** Options for writing the target (auth, plain http). */
  target?: ImageStoreOptions;
  /** Where blobs are assembled before upload; default a fresh directory under the OS temp dir. */
  workDir?: string;
  /**
   * Bytes of chunk batches allowed in memory between "read" and "written" (the memory bound,
   * memory-bound.ts; default three batches of max(4 MiB, chunk size)).
   */
  maxInFlightBytes?: number;
  /** Most tar entries the source image may have, over all its layers (default DEFAULT_MAX_ENTRIES). */
  maxEntries?: number;
  /**
   * SOURCE_DATE_EPOCH: the time written into the bootstrap, the config's `created` and the
   * history entries darner adds. Without it they come from the source config's `created`.
   */
  sourceDateEpoch?: number;
  /**
   * Whose media type and annotations the layers carry: darner's (default) or Nydus's, as nydusify
   * publishes them (refused unless nydusd can read the image, nydus-readable.ts).
   */
  layerAnnotations?: LayerAnnotationStyle;
  /** Allow the target to be the source's own tag (it is then re-pointed at the converted image). */
  overwrite?: boolean;
  /**
   * Store the manifest by its digest only, under no tag (one platform's manifest of an index,
   * which the index names).
   */
  untagged?: boolean;
  progress?: ConvertProgress;
}

export interface ConvertProgress {
  layerStart?(index: number, count: number, descriptor: Descriptor): void;
  layerBytes?(index: number, bytesRead: number): void;
  layerDone?(index: number, stats: LayerChunkStats): void;
  phase?(name: 'resolve' | 'bootstrap' | 'push', detail?: string): void;
  /** A platform of a multi-platform source is being converted (`index` from 0). */
  platform?(platform: string, index: number, count: number): void;
}

export interface ConvertSummary {
  source: string;
  target: string;
  manifestDigest: string;
  manifest: Manifest;
  /** Bytes of the manifest as stored. */
  manifestSize: number;
  /** The platform taken from a multi-platform source, `os/arch[/variant]`. */
  platform?: string;
  /** Layers read: compressed bytes as stored, and uncompressed tar bytes. */
  inputBytes: number;
  inputTarBytes: number;
  /** Bytes of regular-file data in all layers. */
  fileBytes: number;
  /** Data blobs written by this conversion, the bootstrap layer, config and manifest. */
  outputBytes: number;
  blobs: number;
  dictionaryBlobs: number;
  chunks: number;
  uniqueChunks: number;
  duplicateChunks: number;
  dictionaryChunks: number;
  zeroChunks: number;
  bootstrapBytes: number;
  unmatchedPrefetchPatterns: string[];
  durationMs: number;
}

export function validateChunkSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE || (size & (size - 1)) !== 0) {
    throw new UsageError(`chunk size ${size} is not a power of two between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}`);
  }
  return size;
}

export async function convertImage(
  sourceRef: ImageReference | string,
  targetRef: ImageReference | string,
  options: ConvertOptions = {},
): Promise<ConvertSummary> {
  const started = Date.now();
  sourceRef = typeof sourceRef === 'string' ? parseReference(sourceRef) : sourceRef;
  targetRef = typeof targetRef === 'string' ? parseReference(targetRef) : targetRef;
  const chunkSize = validateChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const digestAlgorithm = options.digestAlgorithm ?? 'blake3';
  const compressor = options.compressor ?? 'zstd';
  const level = options.compressionLevel ?? 3;
  if (options.layerAnnotations === 'nydus' && options.chunkDict !== undefined) {
    // Checked again on the finished image (nydus-readable.ts); refused here before any work.
    throw new UsageError("a chunk dictionary cannot be used under Nydus's annotations: nydusd maps a chunk through its blob's chunk-info array, which the bootstrap does not name for a dictionary's blob");
  }
  await refuseSourceAsTarget(sourceRef, targetRef, options.overwrite === true);
  const resources: Array<() => Promise<void>> = [];
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
    let dictionary: LoadedDictionary | undefined;
    if (options.chunkDict !== undefined) {
      dictionary = await loadChunkDictionary(options.chunkDict, options.source ?? {});
      resources.push(() => dictionary?.close() ?? Promise.resolve());
      store.addDictionary(dictionary.dictionary);
    }

    const merger = new LayerMerger();
    const layerBlobs = new Map<number, string>(); // blob-table index → file in workDir
    const blobsPerLayer: number[] = [];
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
      } catch (err) {
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
    if (prefetch.traced.length > 0) await layoutBlobsForTrace(store.chunks, store.blobs, layerBlobs, prefetch.traced);
    countChunksPerBlob(store.blobs, store.chunks);
    const time = conversionTime(image.config.created, options.sourceDateEpoch);
    const meta: ImageMetadata = {
      chunkSize,
      digestAlgorithm,
      compressor,
      blobs: store.blobs,
      chunks: store.chunks,
      root: merger.root,
      prefetch: prefetch.files,
      buildTime: time,
    };
    const style = options.layerAnnotations ?? 'darner';
    const unreadable = style === 'nydus' ? nydusUnreadableReason(meta) : undefined;
    if (unreadable !== undefined) throw new UsageError(`cannot publish under Nydus's annotations, nydusd could not read this image: ${unreadable}`);
    const bootstrap = writeBootstrap(meta);
    const bootstrapLayer = await buildBootstrapLayer(bootstrap, style);
    const config = convertedConfig(image.config, store.blobs, bootstrapLayer.diffId, {
      history: convertedHistory(image.config.history, blobsPerLayer, rfc3339(time)),
      ...(options.sourceDateEpoch !== undefined ? { created: rfc3339(options.sourceDateEpoch) } : {}),
    });
    const configBytes = jsonBytes(config);
    const configDescriptor: Descriptor = {
      mediaType: MediaType.OCI_CONFIG,
      digest: sha256Digest(configBytes),
      size: configBytes.byteLength,
    };
    const manifest = convertedManifest(configDescriptor, store.blobs, bootstrapLayer.descriptor, style);
    const manifestBytes = jsonBytes(manifest);

    options.progress?.phase?.('push', formatReference(targetRef));
    let outputBytes = 0;
    for (const [blobIndex, blob] of store.blobs.entries()) {
      const file = layerBlobs.get(blobIndex);
      if (file !== undefined) {
        await putIfMissing(target, blob, { path: file, move: true });
        outputBytes += blob.compressedSize;
      } else {
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
  } finally {
    for (const release of resources.reverse()) {
      await release().catch((err: unknown) => log.warn({ err }, 'cleanup after conversion failed'));
    }
  }
}

/**
 * Stores a manifest under its digest alone: a registry takes it by digest; an OCI layout only
 * needs the blob, since index.json lists what is tagged and the index names the manifest.
 */
async function putUntaggedManifest(target: ImageTarget, targetRef: ImageReference, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  if (targetRef.transport === 'docker') return target.putManifest(bytes, MediaType.OCI_MANIFEST, digest);
  await putIfMissing(target, { id: digest.slice(7), compressedSize: bytes.byteLength }, bytes);
  return digest;
}

/** The tag the manifest is pushed under: the target reference's tag, or none for a digest. */
export function targetTag(ref: ImageReference): string | undefined {
  return ref.transport === 'docker' || ref.transport === 'oci' ? ref.tag : undefined;
}

async function putIfMissing(target: ImageTarget, blob: Pick<BlobRecord, 'id' | 'compressedSize'>, body: Buffer | { path: string; move?: boolean }): Promise<void> {
  const digest = `sha256:${blob.id}`;
  if (await target.hasBlob(digest)) return;
  await target.putBlob({ digest, size: blob.compressedSize }, body);
}

/** A dictionary blob this image uses must exist in the target: mount it across repositories, or copy it. */
async function copyDictionaryBlob(target: ImageTarget, blob: BlobRecord, dictionary: LoadedDictionary | undefined): Promise<void> {
  const digest = `sha256:${blob.id}`;
  if (await target.hasBlob(digest)) return;
  if (dictionary?.repository !== undefined && (await target.mountBlob(digest, dictionary.repository))) return;
  const source = dictionary?.source;
  if (!source) {
    throw new NotFoundError(`the target lacks dictionary blob ${blob.id} and the dictionary is a bootstrap file, so darner cannot copy it (use the dictionary image's reference)`);
  }
  await target.putBlob({ digest, size: blob.compressedSize }, () => streamOf(source, dataBlobDescriptor(blob)));
}

function streamOf(source: ImageSource, desc: Descriptor): Readable {
  // putBlob wants a synchronous factory; hand it a pass-through fed by the async open.
  const out = new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
  source.openBlob(desc).then(
    (stream) => {
      stream.on('error', (err) => out.destroy(err));
      stream.pipe(out);
    },
    (err: Error) => out.destroy(err),
  );
  return out;
}

function countChunksPerBlob(blobs: BlobRecord[], chunks: ImageMetadata['chunks']): void {
  for (const blob of blobs) blob.chunkCount = 0;
  for (const chunk of chunks) {
    const blob = blobs[chunk.blobIndex];
    if (blob) blob.chunkCount += 1;
  }
}

