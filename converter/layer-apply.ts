import { Transform, type Readable } from 'node:stream';
import type { ImageSource } from '../src/blob/image-store.js';
import type { Descriptor } from '../src/oci/image-spec.js';
import { decompressLayer } from '../src/layer/decompress.js';
import type { LayerChunker } from './layer-chunker.js';
import type { LayerMerger } from './layer-merge.js';
import { readTarEntries } from '../src/layer/tar-reader.js';

/**
 * Reads one source layer into the image: stream (digest-verified by the source), decompress,
 * walk the tar, merge every entry into the tree and hand regular files to the chunker. Shared by
 * `darner convert` (chunker writes a blob) and `darner check` (chunker only digests).
 */
export async function applyLayer(
  source: ImageSource,
  layer: Descriptor,
  merger: LayerMerger,
  chunker: LayerChunker,
  onStoredBytes?: (n: number) => void,
): Promise<{ storedBytes: number; tarBytes: number }> {
  const counts = { storedBytes: 0, tarBytes: 0 };
  merger.beginLayer();
  const stored = countBytes(await source.openBlob(layer), (n) => {
    counts.storedBytes += n;
    onStoredBytes?.(n);
  });
  const tar = countBytes(decompressLayer(stored), (n) => (counts.tarBytes += n));
  for await (const { entry, body } of readTarEntries(tar)) {
    const file = merger.apply(entry);
    if (file && file.size > 0) await chunker.addFile(file, body, entry.path);
  }
  return counts;
}

/** Passes a stream through, reporting how many bytes went by. */
function countBytes(stream: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.byteLength);
      cb(null, chunk);
    },
  });
  stream.on('error', (err) => counter.destroy(err));
  return stream.pipe(counter);
}
