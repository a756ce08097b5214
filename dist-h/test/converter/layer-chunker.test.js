import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompress } from 'zstd-napi';
import { BLOCK_SIZE, CHUNK_FLAG_ZSTD, HOLE } from '../../src/format/model.js';
import { BlobWriter } from '../../converter/blob-writer.js';
import { ChunkStore } from '../../converter/chunk-store.js';
import { BatchBuffers } from '../../converter/batch-buffers.js';
import { compressRanges } from '../../src/native.js';
import { LayerChunker } from '../../converter/layer-chunker.js';
import { blobMetaSize, decodeBlobMeta } from '../../src/format/blob-meta.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
const sha = (data, lengths) => {
    let at = 0;
    return Promise.resolve(lengths.map((length) => {
        at += length;
        return new Uint8Array(createHash('sha256').update(data.subarray(at - length, at)).digest());
    }));
};
function fileNode(size) {
    return { kind: 'file', size, chunks: [], permissions: 0o644, uid: 0, gid: 0, mtime: 0, mtimeNsec: 0, xattrs: new Map() };
}
async function* pieces(data, size) {
    for (let i = 0; i < data.length; i += size)
        yield data.subarray(i, i + size);
}
test('chunks are cut, deduplicated, compressed when it helps, and laid out block-aligned', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'darner-chunker-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const chunkSize = 64 * 1024;
    const store = new ChunkStore(chunkSize, 'sha256');
    const chunker = new LayerChunker({
        chunkSize,
        compressor: 'zstd',
        store,
        digest: sha,
        compress: (data, ranges, out) => compressRanges(3, data, ranges, out),
        createBlob: () => BlobWriter.create(join(dir, 'blob')),
        buffers: new BatchBuffers(2, 2 * chunkSize),
    });
    const random = pseudoRandomBytes(3 * chunkSize + 100, 7);
    const text = Buffer.from('compressible '.repeat(20000)); // 260,000 bytes
    const zeros = Buffer.alloc(2 * chunkSize);
    const files = [
        { node: fileNode(random.length), data: random },
        { node: fileNode(text.length), data: text },
        { node: fileNode(random.length), data: random }, // a duplicate of the first
        { node: fileNode(zeros.length), data: zeros },
    ];
    for (const [i, f] of files.entries())
        await chunker.addFile(f.node, pieces(f.data, 10007), `f${i}`);
    const finished = await chunker.finish();
    t.truthy(finished);
    const stored = readFileSync(join(dir, 'blob'));
    t.is(finished?.blob.id, createHash('sha256').update(stored).digest('hex'));
    t.deepEqual(files[0]?.node.chunks, files[2]?.node.chunks);
    // An all-zero chunk is stored once like any other (no EROFS hole, which nydusd cannot read).
    const zeroChunks = files[3].node.chunks;
    t.true(zeroChunks[0] !== HOLE && zeroChunks[0] === zeroChunks[1]);
    t.is(chunker.stats.duplicateChunks, 4);
    t.is(chunker.stats.zeroChunks, 2);
    t.is(chunker.stats.uniqueChunks, 4 + 4); // random: 3 full + tail; text: 3 full + tail
    t.is(store.chunks.length, 4 + 4 + 1);
    // Every chunk reads back (decompressed when flagged) to the bytes it stands for.
    for (const f of [files[0], files[1], files[3]]) {
        const parts = [];
        for (const index of f.node.chunks) {
            const record = store.chunks[index];
            if (!record)
                throw new Error('missing record');
            t.is(record.uncompressedOffset % BLOCK_SIZE, 0);
            const raw = stored.subarray(record.compressedOffset, record.compressedOffset + record.compressedSize);
            parts.push(record.flags & CHUNK_FLAG_ZSTD ? decompress(raw) : raw);
        }
        t.true(Buffer.concat(parts).equals(f.data));
    }
    // The blob ends with its chunk-info array (in uncompressed order) and header, right after the chunks.
    const dataEnd = Math.max(...store.chunks.map((c) => c.compressedOffset + c.compressedSize));
    t.is(finished?.blob.chunkInfoOffset, dataEnd);
    t.is(stored.length, dataEnd + blobMetaSize(store.chunks.length));
    const meta = decodeBlobMeta(stored.subarray(dataEnd), dataEnd);
    if ('problem' in meta)
        return t.fail(meta.problem);
    const byOffset = [...store.chunks].sort((a, b) => a.uncompressedOffset - b.uncompressedOffset);
    t.deepEqual(meta.chunks, byOffset.map(({ compressedOffset, compressedSize, uncompressedOffset, uncompressedSize }) => ({ uncompressedOffset, uncompressedSize, compressedOffset, compressedSize })));
    const flags = store.chunks.map((c) => c.flags & CHUNK_FLAG_ZSTD);
    t.true(flags.includes(0), 'random chunks are stored raw');
    t.true(flags.includes(CHUNK_FLAG_ZSTD), 'text chunks are compressed');
});
test('a layer without new chunks makes no blob', async (t) => {
    const store = new ChunkStore(4096, 'sha256');
    const chunker = new LayerChunker({
        chunkSize: 4096,
        compressor: 'none',
        store,
        digest: sha,
        createBlob: () => Promise.reject(new Error('no blob expected')),
        buffers: new BatchBuffers(2, 1 << 16),
    });
    await chunker.addFile(fileNode(0), pieces(Buffer.alloc(0), 1), 'empty');
    t.is(await chunker.finish(), undefined);
});
test('a digest failure fails the layer instead of hanging it', async (t) => {
    const store = new ChunkStore(4096, 'sha256');
    const chunker = new LayerChunker({
        chunkSize: 4096,
        compressor: 'none',
        store,
        digest: () => Promise.reject(new Error('digest exploded')),
        createBlob: () => Promise.reject(new Error('unused')),
        buffers: new BatchBuffers(2, 4096),
    });
    await t.throwsAsync(async () => {
        await chunker.addFile(fileNode(100000), pieces(pseudoRandomBytes(100000, 1), 4096), 'f');
        await chunker.finish();
    }, { message: 'digest exploded' });
});
//# sourceMappingURL=layer-chunker.test.js.map