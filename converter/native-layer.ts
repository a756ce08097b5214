import { BadTarError } from '../src/errors.js';
import type { FileNode } from '../src/format/model.js';
import { nativeAddon, type NativeTarFramer } from '../src/native.js';
import { TAR_BLOCK } from '../src/layer/tar-header.js';
import { TarHeaderSequence, type EntryHeader, type TarEntry } from '../src/layer/tar-reader.js';
import type { LayerChunker } from './layer-chunker.js';

/**
 * Reads one layer tar through the native framer (native/src/tarframe.rs): the addon finds the
 * headers and cuts regular files' data, chunk by chunk, straight into the chunker's batch
 * buffers; this side reads each header with the entry rules of src/layer/tar-reader.ts
 * (TarHeaderSequence) and checks that its reading of every data length is the framer's. So the
 * JavaScript thread sees headers and chunk positions, never file data.
 */

/** Event tags of the framer (tarframe.rs's EVENT_*). */
const EVENT_HEADER = 1;
const EVENT_EXTENSION = 2;
const EVENT_CHUNK = 3;

/**
 * Reads every entry of `tar` in order: `apply` gets each one and returns the file node its data
 * belongs to (undefined when the image does not keep it).
 */
export async function readLayerNative(
  tar: AsyncIterable<Uint8Array>,
  chunker: LayerChunker,
  chunkSize: number,
  apply: (entry: TarEntry) => FileNode | undefined,
): Promise<void> {
  const framer = new (nativeAddon().TarFramer)(chunkSize);
  const reader = new EventReader(chunker, apply);
  let batch = await chunker.batchInput();
  for await (const piece of tar) {
    let at = 0;
    while (at < piece.byteLength) {
      const framed = pushed(framer, at === 0 ? piece : piece.subarray(at), batch);
      reader.read(framed.events);
      at += framed.consumed;
      if (framed.batchFull) {
        chunker.endBatch();
        batch = await chunker.batchInput();
        framer.newBatch();
      }
    }
  }
  asBadTar(() => framer.finish());
  reader.finish();
}

function pushed(framer: NativeTarFramer, piece: Uint8Array, batch: Buffer): ReturnType<NativeTarFramer['push']> {
  return asBadTar(() => framer.push(piece, batch));
}

function asBadTar<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EBADTAR') throw new BadTarError((err as Error).message);
    throw err;
  }
}

/** Applies the framer's events in order. */
class EventReader {
  private readonly headers = new TarHeaderSequence();
  /** The extension header whose record comes next. */
  private extension: { header: EntryHeader; size: number } | undefined;
  /** The file whose chunks come next: its node (or undefined) and the next chunk's slot. */
  private file: { node: FileNode | undefined; slot: number; name: string } | undefined;

  constructor(
    private readonly chunker: LayerChunker,
    private readonly apply: (entry: TarEntry) => FileNode | undefined,
  ) {}

  read(events: Buffer): void {
    let p = 0;
    while (p < events.byteLength) {
      const tag = events[p];
      p += 1;
      if (tag === EVENT_HEADER) {
        this.header(events.subarray(p, p + TAR_BLOCK), Number(events.readBigUInt64LE(p + TAR_BLOCK)), events[p + TAR_BLOCK + 8] === 1);
        p += TAR_BLOCK + 9;
      } else if (tag === EVENT_EXTENSION) {
        const length = events.readUInt32LE(p);
        this.extensionRecord(events.subarray(p + 4, p + 4 + length));
        p += 4 + length;
      } else if (tag === EVENT_CHUNK) {
        this.chunk(events.readUInt32LE(p), events.readUInt32LE(p + 4), events[p + 8] === 1);
        p += 9;
      } else {
        throw new Error(`native tar framer: unknown event ${String(tag)}`);
      }
    }
  }

  finish(): void {
    if (this.extension !== undefined) throw new BadTarError('tar stream is truncated (unexpected end of data)');
  }

  private header(block: Buffer, framedBytes: number, chunked: boolean): void {
    if (this.extension !== undefined) throw disagree('an extension header without its record');
    this.file = undefined;
    const decoded = this.headers.header(block);
    if (decoded === null) throw disagree('an all-zero header block');
    if ('extension' in decoded) {
      if (decoded.size !== framedBytes || chunked) throw disagree('the length of an extension record');
      this.extension = { header: decoded.extension, size: decoded.size };
      return;
    }
    const { entry, dataBytes } = decoded;
    if (dataBytes !== framedBytes || chunked !== (entry.kind === 'file')) throw disagree(`the data of entry "${entry.path}"`);
    const node = this.apply(entry);
    if (!chunked || dataBytes === 0) return;
    const kept = node !== undefined && node.size > 0 ? node : undefined;
    if (kept !== undefined) this.chunker.beginFile(kept);
    this.file = { node: kept, slot: 0, name: entry.path };
  }

  private extensionRecord(bytes: Buffer): void {
    const pending = this.extension;
    if (pending === undefined || bytes.byteLength !== pending.size) throw disagree('an extension record');
    this.extension = undefined;
    this.headers.extension(pending.header, bytes);
  }

  private chunk(offset: number, length: number, zero: boolean): void {
    const file = this.file;
    if (file === undefined) throw disagree('a chunk outside a regular file');
    this.chunker.chunkCutAt(file.node, file.slot, offset, length, zero);
    file.slot += 1;
  }
}

/** The framer and the entry reader read a header differently: refused, never guessed. */
function disagree(what: string): BadTarError {
  return new BadTarError(`tar stream is corrupt (the framing and the entry reader disagree on ${what})`);
}
