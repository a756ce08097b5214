/**
 * An OCI image layout directory (image-spec image-layout.md):
 *
 *   DIR/oci-layout            {"imageLayoutVersion": "1.0.0"}
 *   DIR/index.json            an image index; a tag is the `org.opencontainers.image.ref.name`
 *                             annotation of a manifest entry
 *   DIR/blobs/sha256/<hex>    content-addressed blobs
 *
 * Writes are atomic: a blob goes to a temp file in blobs/sha256/, is hashed on the way, and is
 * renamed to its digest only when digest and size are right; index.json is replaced by rename, and
 * only by putManifest, after the manifest blob is in place. A failed write therefore never leaves
 * a tag pointing at a partial image. Visibility is atomic; durability across a power cut is not
 * promised (no fsync). Concurrent writers in one process are serialized on index.json; writers
 * in different processes may lose each other's index updates.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, InvalidManifestError, InvalidReferenceError, NotFoundError, SizeMismatchError } from '../errors.js';
import { sha256Digest, Sha256Hasher } from '../digest.js';
import { digestHex, isDigest } from '../oci/digest.js';
import { Annotation, MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE, MediaType, parseIndex, type Descriptor, type Index } from '../oci/image-spec.js';
import type { BlobReader } from './blob-reader.js';
import { checkRange, readExactly } from './file-range.js';
import type { BlobBody } from './registry.js';
import { VerifyingStream } from './verify.js';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_INDEX_FILE = 'index.json';
export const OCI_LAYOUT_VERSION = '1.0.0';

function tempName(): string {
  return `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

async function writeFileAtomic(path: string, data: Buffer | string, dir: string): Promise<void> {
  const temp = join(dir, tempName());
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export class OciLayout implements BlobReader {
  private indexLock: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {}

  /** Opens an existing layout; NotFoundError when DIR is not one. */
  static async open(dir: string): Promise<OciLayout> {
    let text: string;
    try {
      text = await readFile(join(dir, OCI_LAYOUT_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new NotFoundError(`${dir} is not an OCI image layout (no ${OCI_LAYOUT_FILE} file)`);
      }
      throw err;
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      throw new InvalidManifestError(`${join(dir, OCI_LAYOUT_FILE)}: not valid JSON`);
    }
    if (version !== OCI_LAYOUT_VERSION) {
      throw new InvalidManifestError(`${join(dir, OCI_LAYOUT_FILE)}: imageLayoutVersion must be "${OCI_LAYOUT_VERSION}", got ${JSON.stringify(version)}`);
    }
    return new OciLayout(dir);
  }

  /** Opens a layout, creating the directory, `oci-layout` and an empty index.json as needed. */
  static async create(dir: string): Promise<OciLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    try {
      return await OciLayout.open(dir);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const emptyIndex: Index = { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] };
    try {
      await writeFile(join(dir, OCI_INDEX_FILE), JSON.stringify(emptyIndex), { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await writeFileAtomic(join(dir, OCI_LAYOUT_FILE), JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }), dir);
    return new OciLayout(dir);
  }

  /** The validated index.json. */
  async readIndex(): Promise<Index> {
    const path = join(this.dir, OCI_INDEX_FILE);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path} does not exist`);
      throw err;
    }
    try {
      return parseIndex(bytes);
    } catch (err) {
      throw new InvalidManifestError(`${path}: ${(err as Error).message}`);
    }
  }

  /**
   * The index.json entry for `tag` (its ref.name), or, without a tag, the only entry. NotFoundError
   * lists the tags there are.
   */
  async findManifest(tag?: string): Promise<Descriptor> {
    const index = await this.readIndex();
    if (tag === undefined) {
      if (index.manifests.length === 1) return index.manifests[0]!;
      const tags = index.manifests.map((d) => d.annotations?.[Annotation.REF_NAME]).filter((t) => t !== undefined);
      throw new NotFoundError(
        index.manifests.length === 0
          ? `OCI layout ${this.dir} holds no image`
          : `OCI layout ${this.dir} holds ${index.manifests.length} images; name one with oci:${this.dir}:TAG (tags: ${tags.join(', ') || 'none'})`,
      );
    }
    const found = index.manifests.filter((d) => d.annotations?.[Annotation.REF_NAME] === tag);
    if (found.length === 0) {
      const tags = index.manifests.map((d) => d.annotations?.[Annotation.REF_NAME]).filter((t) => t !== undefined);
      throw new NotFoundError(`OCI layout ${this.dir} has no image tagged ${JSON.stringify(tag)} (tags: ${tags.join(', ') || 'none'})`);
    }
    return found[found.length - 1]!;
  }

  /** Where a blob lives (whether or not it exists). */
  blobPath(digest: string): string {
    if (!isDigest(digest)) throw new InvalidReferenceError(`bad digest ${JSON.stringify(digest)} (want sha256:<64 lowercase hex>)`);
    return join(this.dir, 'blobs', 'sha256', digestHex(digest));
  }

  /** The size of a blob, or undefined when absent. */
  async blobSize(digest: string): Promise<number | undefined> {
    try {
      const s = await stat(this.blobPath(digest));
      return s.isFile() ? s.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.blobSize(digest)) !== undefined;
  }

  private async sizeOrThrow(digest: string, expected?: number): Promise<number> {
    const size = await this.blobSize(digest);
    if (size === undefined) throw new NotFoundError(`OCI layout ${this.dir}: blob ${digest} not found`);
    if (expected !== undefined && size !== expected) throw new SizeMismatchError(`OCI layout ${this.dir}: blob ${digest}`, expected, size);
    return size;
  }

  /** The path of a blob's file, once its size is checked (the reader verifies the digest). */
  async blobFile(digest: string, size?: number): Promise<string> {
    await this.sizeOrThrow(digest, size);
    return this.blobPath(digest);
  }

  /** A blob as a stream that fails at its end unless the bytes have the digest (and size). */
  async openBlob(digest: string, size?: number): Promise<Readable> {
    await this.sizeOrThrow(digest, size);
    const verifier = new VerifyingStream(`blob ${digest}`, digest, size);
    const file = createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20 }); // 1 MiB reads: fewer crossings for big layers
    file.on('error', (err) => verifier.destroy(err));
    verifier.on('close', () => file.destroy());
    return file.pipe(verifier);
  }

  /** A whole blob in memory, verified; at most `maxSize` bytes (default 16 MiB). */
  async readBlob(digest: string, size?: number, maxSize = MAX_CONFIG_SIZE): Promise<Buffer> {
    const actualSize = await this.sizeOrThrow(digest, size);
    if (actualSize > maxSize) throw new SizeMismatchError(`OCI layout blob ${digest} (larger than the ${maxSize} bytes allowed)`, maxSize, actualSize);
    const bytes = await readFile(this.blobPath(digest));
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new DigestMismatchError(`OCI layout ${this.dir}: blob`, digest, actual);
    return bytes;
  }

  /** `length` bytes of a blob from `offset`, bounds-checked against the file (not verified). */
  async readRange(digest: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    signal?.throwIfAborted();
    const fh = await open(this.blobPath(digest), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new NotFoundError(`OCI layout ${this.dir}: blob ${digest} not found`);
      throw err;
    });
    try {
      const { size } = await fh.stat();
      checkRange(`blob ${digest}`, offset, length, size);
      return await readExactly(fh, offset, length, `blob ${digest}`);
    } finally {
      await fh.close();
    }
  }

  /**
   * Stores a blob: written to a temp file, hashed, and renamed into place only when digest and size
   * match `desc`. A blob already present (same digest, same size) is not written again.
   */
  async writeBlob(desc: { digest: string; size: number }, body: BlobBody | Readable, signal?: AbortSignal): Promise<void> {
    const path = this.blobPath(desc.digest);
    if ((await this.blobSize(desc.digest)) === desc.size) {
      if (body instanceof Readable) body.destroy();
      return;
    }
    if (!Buffer.isBuffer(body) && !(body instanceof Readable) && typeof body !== 'function' && body.move === true) {
      // The caller wrote this file and hashed it as it wrote: take it whole if the size agrees.
      const size = (await stat(body.path)).size;
      if (size !== desc.size) throw new SizeMismatchError(`blob ${desc.digest}`, desc.size, size);
      await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
      try {
        await rename(body.path, path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        // Another filesystem: fall through to the verified copy.
      }
    }
    const source: Readable = Buffer.isBuffer(body)
      ? Readable.from([body])
      : body instanceof Readable
        ? body
        : typeof body === 'function'
          ? await body()
          : createReadStream(body.path);
    const dir = join(this.dir, 'blobs', 'sha256');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, tempName());
    try {
      await pipeline(source, new VerifyingStream(`blob ${desc.digest}`, desc.digest, desc.size), createWriteStream(temp, { flags: 'wx' }), signal ? { signal } : {});
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Stores a stream of unknown digest; returns its digest and size. */
  async writeBlobStream(stream: Readable, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    const dir = join(this.dir, 'blobs', 'sha256');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, tempName());
    const hasher = new Sha256Hasher();
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hasher.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(stream, hashing, createWriteStream(temp, { flags: 'wx' }), signal ? { signal } : {});
      const digest = hasher.digest();
      await rename(temp, this.blobPath(digest));
      return { digest, size: hasher.size };
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /**
   * Stores a manifest (or index) blob and records it in index.json — under `tag` when given,
   * replacing an entry with the same tag; without a tag the entry is added unless present.
   * Returns its digest. Store the blobs it references first.
   */
  async putManifest(bytes: Buffer, mediaType: string, tag?: string, extra: { platform?: Descriptor['platform'] } = {}): Promise<string> {
    if (bytes.length > MAX_MANIFEST_SIZE) throw new InvalidManifestError(`manifest is ${bytes.length} bytes, more than the ${MAX_MANIFEST_SIZE} allowed`);
    const digest = sha256Digest(bytes);
    await this.writeBlob({ digest, size: bytes.length }, bytes);
    const entry: Descriptor = { mediaType, digest, size: bytes.length };
    if (extra.platform !== undefined) entry.platform = extra.platform;
    if (tag !== undefined) entry.annotations = { [Annotation.REF_NAME]: tag };
    await this.updateIndex((index) => {
      if (tag !== undefined) {
        index.manifests = index.manifests.filter((d) => d.annotations?.[Annotation.REF_NAME] !== tag);
      } else if (index.manifests.some((d) => d.digest === digest && d.annotations?.[Annotation.REF_NAME] === undefined)) {
        return;
      }
      index.manifests.push(entry);
    });
    return digest;
  }

  /** Read-modify-write of index.json, serialized within this process, replaced by rename. */
  private async updateIndex(change: (index: Index) => void): Promise<void> {
    const run = async (): Promise<void> => {
      let index: Index;
      try {
        index = await this.readIndex();
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        index = { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] };
      }
      change(index);
      await writeFileAtomic(join(this.dir, OCI_INDEX_FILE), JSON.stringify(index), this.dir);
    };
    const next = this.indexLock.then(run, run);
    this.indexLock = next.catch(() => {});
    await next;
  }
}
