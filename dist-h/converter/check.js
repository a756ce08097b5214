import { createHash } from 'node:crypto';
import { openImageSource } from '../src/blob/image-store.js';
import { decodeStoredChunk } from '../src/chunk-codec.js';
import { chunkDigest, chunkDigests, chunkDigestsOfRanges } from '../src/digest.js';
import { DarnerError } from '../src/errors.js';
import { compareTrees, treeFromMetadata } from '../src/fstree/index.js';
import { parseReference } from '../src/oci/reference.js';
import { BLOB_WINDOW_BYTES, blobWindows, chunksByBlob, storedChunks } from './blob-chunks.js';
import { loadImageBootstrap } from '../src/image/bootstrap-layer.js';
import { ChunkStore } from './chunk-store.js';
import { applyLayer, DEFAULT_MAX_ENTRIES } from './layer-apply.js';
import { LayerChunker } from './layer-chunker.js';
import { BatchBuffers } from './batch-buffers.js';
import { batchLayout } from './memory-bound.js';
import { LayerMerger } from './layer-merge.js';
import { refuseConvertedSource } from './source-target.js';
export async function checkImage(sourceRef, targetRef, options = {}) {
    options.progress?.phase?.('target', targetRef);
    const target = await loadImageBootstrap(targetRef, options.target ?? {});
    try {
        const { bootstrap } = target;
        const meta = bootstrap.toMetadata();
        options.progress?.phase?.('blobs');
        const layerSizes = new Map(target.image.manifest.layers.map((l) => [l.digest, l.size]));
        const { badChunks, badBlobs } = await verifyBlobs(target.source, bootstrap, layerSizes, options.progress?.bytes);
        options.progress?.phase?.('source', sourceRef);
        const sourceTree = await sourceImageTree(sourceRef, meta, options.source ?? {}, options.maxEntries);
        options.progress?.phase?.('compare');
        const targetTree = imageTree(meta);
        const differences = compareTrees(sourceTree, targetTree);
        differences.push(...badChunkDifferences(meta, badChunks));
        differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        return { differences, badChunks, badBlobs, sourceEntries: sourceTree.size, targetEntries: targetTree.size };
    }
    finally {
        await target.source.close();
    }
}
function digestOf(chunks, index) {
    const record = chunks[index];
    if (!record)
        throw new DarnerError('CHECK_INTERNAL', `chunk ${index} is missing from the chunk table`);
    return record.digest;
}
function zeroDigests(meta) {
    const cache = new Map();
    return (length) => {
        let digest = cache.get(length);
        if (!digest) {
            digest = zeroDigestSync(meta.digestAlgorithm, length);
            cache.set(length, digest);
        }
        return digest;
    };
}
function zeroDigestSync(algorithm, length) {
    return chunkDigest(algorithm, new Uint8Array(length));
}
/** The FsTree of a darner image's metadata (files keyed by their chunk digests). */
export function imageTree(meta) {
    return treeFromMetadata(meta, { chunkDigest: (i) => digestOf(meta.chunks, i), zeroDigest: zeroDigests(meta) });
}
/**
 * The FsTree of an OCI image applied layer by layer, its files chunked and digested with the
 * given chunk size and algorithm (those of the darner image it is compared with).
 */
export async function sourceImageTree(sourceRef, like, options, maxEntries = DEFAULT_MAX_ENTRIES) {
    const reference = parseReference(sourceRef);
    const source = await openImageSource(reference, options);
    try {
        const image = await source.resolve(options.platform);
        refuseConvertedSource(image.manifest, reference);
        const entries = { max: maxEntries, seen: 0 };
        const store = new ChunkStore(like.chunkSize, like.digestAlgorithm);
        const merger = new LayerMerger();
        const layout = batchLayout(like.chunkSize);
        const buffers = new BatchBuffers(layout.batchCount, layout.batchBytes);
        for (const layer of image.layers) {
            const chunker = new LayerChunker({
                chunkSize: like.chunkSize,
                compressor: 'none',
                store,
                digest: (data, lengths) => chunkDigestsOfRanges(like.digestAlgorithm, data, lengths),
                buffers,
            });
            await applyLayer(source, layer, merger, chunker, undefined, entries);
            await chunker.finish();
        }
        return imageTree({
            chunkSize: like.chunkSize,
            digestAlgorithm: like.digestAlgorithm,
            compressor: 'none',
            root: merger.root,
            chunks: store.chunks,
            blobs: [],
            prefetch: [],
            buildTime: 0,
        });
    }
    finally {
        await source.close();
    }
}
/**
 * Reads every blob once, to the end of its layer (a Nydus blob stores its own metadata after the
 * chunks, so its layer is longer than the chunk region the bootstrap records); decodes and
 * verifies every chunk the bootstrap uses, and the whole blob against its digest.
 */
async function verifyBlobs(source, bootstrap, layerSizes, onBytes) {
    const badChunks = [];
    const badBlobs = [];
    const byBlob = chunksByBlob(bootstrap);
    for (const [blobIndex, blob] of bootstrap.blobs.entries()) {
        const chunks = byBlob.get(blobIndex) ?? [];
        const whole = createHash('sha256');
        let covered = 0;
        const storedSize = Math.max(blob.compressedSize, layerSizes.get(`sha256:${blob.id}`) ?? 0);
        const windows = blobWindows(source, { id: blob.id, compressedSize: storedSize }, (bytes) => {
            whole.update(bytes);
            covered += bytes.byteLength;
            onBytes?.(bytes.byteLength);
        });
        const pending = [];
        const flush = async () => {
            if (pending.length === 0)
                return;
            const digests = await chunkDigests(bootstrap.digestAlgorithm, pending.map((p) => p.data));
            pending.forEach((p, i) => {
                if (!Buffer.from(digests[i]).equals(Buffer.from(p.record.digest))) {
                    badChunks.push({ index: p.index, blob: blob.id, reason: 'digest mismatch' });
                }
            });
            pending.length = 0;
        };
        try {
            let pendingBytes = 0;
            for await (const chunk of storedChunks(windows, chunks, `blob ${blob.id}`)) {
                try {
                    const data = decodeStoredChunk(chunk.record, chunk.stored, `chunk ${chunk.index}`);
                    pending.push({ ...chunk, data });
                    pendingBytes += data.byteLength;
                    if (pendingBytes >= BLOB_WINDOW_BYTES) {
                        await flush();
                        pendingBytes = 0;
                    }
                }
                catch (err) {
                    badChunks.push({ index: chunk.index, blob: blob.id, reason: err.message });
                }
            }
            await flush();
            if (covered === storedSize && whole.digest('hex') !== blob.id)
                badBlobs.push(blob.id);
        }
        catch (err) {
            // The blob could not be read whole: every chunk not yet verified is unverifiable.
            const reason = err instanceof Error ? err.message : String(err);
            const done = new Set(badChunks.map((b) => b.index));
            for (const chunk of chunks)
                if (!done.has(chunk.index))
                    badChunks.push({ index: chunk.index, blob: blob.id, reason });
            badBlobs.push(blob.id);
        }
    }
    return { badChunks, badBlobs };
}
/** Every file that uses a bad chunk gets one difference per bad chunk it uses. */
function badChunkDifferences(meta, bad) {
    if (bad.length === 0)
        return [];
    const byIndex = new Map(bad.map((b) => [b.index, b]));
    const out = [];
    const visit = (node, path) => {
        if (node.kind === 'dir') {
            for (const [name, child] of node.entries)
                visit(child, path === '' ? name : `${path}/${name}`);
            return;
        }
        if (node.kind !== 'file')
            return;
        for (const [slot, index] of node.chunks.entries()) {
            const b = byIndex.get(index);
            if (!b)
                continue;
            out.push({
                path,
                field: 'content',
                expected: `chunk ${slot} verifies`,
                actual: `chunk ${slot} (chunk ${b.index} of blob ${b.blob.slice(0, 12)}) fails: ${b.reason}`,
            });
        }
    };
    visit(meta.root, '');
    return out;
}
//# sourceMappingURL=check.js.map