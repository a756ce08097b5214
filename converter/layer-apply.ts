import { Transform, type Readable } from 'node:stream';
import type { ImageSource } from '../src/blob/image-store.js';
import { LimitExceededError } from '../src/errors.js';
import type { Descriptor } from '../src/oci/image-spec.js';
import { decompressLayer } from '../src/layer/decompress.js';
import type { LayerChunker } from './layer-chunker.js';
import type { LayerMerger } from './layer-merge.js';
import { exposedGcPacer } from './gc-pacer.js';
import { isPlainLayerFile, LAYER_READ_BYTES, verifiedLayerFile } from './layer-file.js';
import { readLayerNative } from './native-layer.js';
import type { FileNode } from '../src/format/model.js';
import type { TarEntry } from '../src/layer/tar-reader.js';

/**
 * Reads one source layer into the image: an uncompressed layer in a local file through one
 * reused buffer, verified as it is read (layer-file.ts), any other as the source's verified
 * stream, decompressed; the tar is framed natively (native-layer.ts), every entry merged into the
 * tree and regular files' data cut into the chunker's batches. Shared by `darner convert`
 * (chunker writes a blob) and `darner check` (chunker only digests).
 */

/** Default bound on tar entries per image: far above real images, far below what exhausts memory. */
export const DEFAULT_MAX_ENTRIES = 4 * 1024 * 1024;

/** Tar entries read so far across the image's layers, against the configured bound. */
export interface EntryBudget {
  max: number;
  seen: number;
}

export async function applyLayer(
  source: ImageSource,
  layer: Descriptor,
  merger: LayerMerger,
  chunker: LayerChunker,
  onStoredBytes?: (n: number) => void,
  budget: EntryBudget = { max: DEFAULT_MAX_ENTRIES, seen: 0 },
): Promise<{ storedBytes: number; tarBytes: number }> {
  const counts = { storedBytes: 0, tarBytes: 0 };
  merger.beginLayer();
  const apply = (entry: TarEntry): FileNode | undefined => {
    budget.seen += 1;
    if (budget.seen > budget.max) {
      throw new LimitExceededError(`the image has more than ${budget.max} tar entries (the limit; raise it with --max-entries)`);
    }
    return merger.apply(entry);
  };
  const file = await source.blobFile?.(layer);
  if (file !== undefined && (await isPlainLayerFile(file))) {
    const pieces = verifiedLayerFile(file, `blob ${layer.digest}`, layer.digest, layer.size, readBuffer());
    const counted = (async function* () {
      for await (const piece of pieces) {
        counts.storedBytes += piece.byteLength;
        counts.tarBytes += piece.byteLength;
        onStoredBytes?.(piece.byteLength);
        yield piece;
      }
    })();
    await readLayerNative(counted, chunker, chunker.chunkSize, apply);
    return counts;
  }
  const blob = await source.openBlob(layer);
  try {
    const stored = countBytes(blob, (n) => {
      counts.storedBytes += n;
      onStoredBytes?.(n);
    });
    const pacer = exposedGcPacer();
    const tar = countBytes(decompressLayer(stored), (n) => {
      counts.tarBytes += n;
      pacer?.add(n);
    });
    await readLayerNative(tar, chunker, chunker.chunkSize, apply);
  } finally {
    // A layer left half-read (an error above) must not keep its download open: a paused HTTP
    // body would make closing the source wait for it forever.
    blob.destroy();
  }
  return counts;
}

let sharedReadBuffer: Buffer | undefined;

/** The one read buffer of local layer files (layers are read one after another). */
function readBuffer(): Buffer {
  sharedReadBuffer ??= Buffer.allocUnsafeSlow(LAYER_READ_BYTES);
  return sharedReadBuffer;
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
