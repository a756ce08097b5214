import { BadTarError, DarnerError } from '../errors.js';
import { MAX_DEVICE_MAJOR, MAX_DEVICE_MINOR } from '../format/inode.js';
import { ByteCursor } from './byte-cursor.js';
import { blockPadding, CORRUPT_HEADER, decodeLongName, decodeTarHeader, TAR_BLOCK, type TarHeader } from './tar-header.js';
import { escapeBytes, headerNumber, paxNumber, printable, utf8Name, utf8OrUndefined } from './tar-fields.js';

/**
 * Safe iteration over the entries of one layer tar.
 *
 * Blocks are read from the stream in order (tar-header.ts decodes each header with tar-stream's
 * block rules: checksums, GNU long names, PAX headers, sizes; byte-cursor.ts hands out views of the
 * stream's pieces, so file data is never copied here). On top of that this module normalizes
 * names, rejects entries that would escape the image root (absolute names, `..` components, NUL
 * bytes), applies PAX overrides (uid, gid, precise mtime), and reads extended attributes from PAX
 * records byte-exactly (binary values such as `security.capability` are not text).
 *
 * Names and link targets must be UTF-8 (the image model and EROFS names are text here): header
 * names and GNU long names are taken as raw bytes and refused when they are not UTF-8, as are PAX
 * path and linkpath records, never folded into U+FFFD where two names could become one. Numeric
 * header fields are decoded again strictly from the header bytes (see headerNumber).
 */

export type TarEntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';

export interface TarEntry {
  /** Normalized path relative to the image root: no leading `./` or `/`, no trailing `/`; '' is the root. */
  path: string;
  kind: TarEntryKind;
  /** Permission bits including setuid/setgid/sticky. */
  permissions: number;
  uid: number;
  gid: number;
  mtime: number;
  mtimeNsec: number;
  /** Bytes of file data that follow the header (0 for everything but regular files). */
  size: number;
  /** Symlink target (verbatim) or hardlink target (normalized like `path`). */
  linkTarget: string;
  devMajor: number;
  devMinor: number;
  xattrs: Map<string, Uint8Array>;
}

/** File data of one entry; must be consumed (or drained) before the next entry is read. */
export type TarBody = AsyncIterable<Uint8Array>;

/** Longest name component EROFS accepts, and the longest symlink target we keep. */
const MAX_NAME_BYTES = 255;
const MAX_SYMLINK_BYTES = 4095;
/** The largest uid and gid EROFS stores (32 bits). */
const MAX_ID = 0xffff_ffff;

const PAX_XATTRS = Symbol('darner.pax.xattrs');

interface PaxRecords {
  [key: string]: string;
  [PAX_XATTRS]?: Map<string, Uint8Array>;
}

/**
 * Decodes a PAX extended header (`"<len> <key>=<value>\n"` records). Values of SCHILY.xattr.* are
 * kept as raw bytes, LIBARCHIVE.xattr.* values are base64 (names URL-encoded); every other value
 * is UTF-8 text as POSIX specifies.
 */
export function decodePaxRecords(buf: Uint8Array): PaxRecords {
  const records: PaxRecords = {};
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes[pos] === 0) break; // NUL padding after the last record
    const space = bytes.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw new BadTarError('malformed PAX header: record without a length');
    const lengthText = bytes.toString('latin1', pos, space);
    if (!/^[0-9]+$/.test(lengthText)) throw new BadTarError(`malformed PAX header: bad record length "${lengthText}"`);
    const length = Number(lengthText);
    const end = pos + length;
    if (length <= space - pos + 1 || end > bytes.length || bytes[end - 1] !== 0x0a) {
      throw new BadTarError('malformed PAX header: record length runs past the header');
    }
    const eq = bytes.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= end - 1) throw new BadTarError('malformed PAX header: record without "="');
    const key = utf8OrUndefined(bytes.subarray(space + 1, eq));
    if (key === undefined) throw new BadTarError(`PAX record key "${escapeBytes(bytes.subarray(space + 1, eq))}" is not valid UTF-8`);
    const rawValue = bytes.subarray(eq + 1, end - 1);
    if (key.startsWith('SCHILY.xattr.')) {
      xattrsOf(records).set(key.slice('SCHILY.xattr.'.length), new Uint8Array(rawValue));
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      const name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
      xattrsOf(records).set(name, new Uint8Array(Buffer.from(rawValue.toString('latin1'), 'base64')));
    } else if (key === 'path' || key === 'linkpath') {
      // POSIX: PAX names are UTF-8 (unless hdrcharset=BINARY, which darner does not accept).
      const text = utf8OrUndefined(rawValue);
      if (text === undefined) throw new BadTarError(`PAX ${key} record "${escapeBytes(rawValue)}" is not valid UTF-8`);
      records[key] = text;
    } else {
      records[key] = rawValue.toString('utf8');
    }
    pos = end;
  }
  return records;
}

function xattrsOf(records: PaxRecords): Map<string, Uint8Array> {
  let map = records[PAX_XATTRS];
  if (!map) {
    map = new Map();
    records[PAX_XATTRS] = map;
  }
  return map;
}

function mergePax(global: PaxRecords, local: PaxRecords): PaxRecords {
  const merged: PaxRecords = { ...global, ...local };
  const xattrs = new Map([...(global[PAX_XATTRS] ?? []), ...(local[PAX_XATTRS] ?? [])]);
  if (xattrs.size > 0) merged[PAX_XATTRS] = xattrs;
  return merged;
}

/**
 * Normalizes a tar member name to a path relative to the image root. Throws BadTarError for
 * names that would escape it. '' means the root directory itself.
 */
export function normalizeEntryPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw new BadTarError(`${what} "${printable(name)}" contains a NUL byte`);
  if (name.startsWith('/')) throw new BadTarError(`${what} "${printable(name)}" is an absolute path`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new BadTarError(`${what} "${printable(name)}" contains a ".." component`);
    if (Buffer.byteLength(part) > MAX_NAME_BYTES) {
      throw new BadTarError(`${what} "${printable(name)}" has a name component longer than ${MAX_NAME_BYTES} bytes`);
    }
    parts.push(part);
  }
  return parts.join('/');
}

function kindOf(type: string | null, name: string): TarEntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
      return 'chardev';
    case 'block-device':
      return 'blockdev';
    case 'fifo':
      return 'fifo';
    default:
      throw new BadTarError(`entry "${printable(name)}" has an unsupported tar type (${type ?? 'unknown'})`);
  }
}

/** A PAX number if the record is there, else the header field's (read only then: PAX overrides it). */
function paxInteger(records: PaxRecords | null, key: string, fallback: () => number, max: number, name: string): number {
  const text = records?.[key];
  return text === undefined ? fallback() : paxNumber(text, key, max, name);
}

/** PAX mtime is decimal seconds with an optional fraction (and may be negative). */
function paxTime(records: PaxRecords | null, headerSeconds: () => number, name: string): { sec: number; nsec: number } {
  const text = records?.mtime;
  if (text === undefined) return { sec: headerSeconds(), nsec: 0 };
  const m = /^(-?)([0-9]{1,15})(?:\.([0-9]{1,9})[0-9]*)?$/.exec(text);
  if (!m) throw new BadTarError(`entry "${printable(name)}": bad PAX mtime "${printable(text)}"`);
  const whole = Number(m[2]);
  const nsec = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  if (m[1] === '-') return nsec === 0 ? { sec: -whole, nsec: 0 } : { sec: -whole - 1, nsec: 1e9 - nsec };
  return { sec: whole, nsec };
}

/** The entry's name: the PAX path if there is one (already UTF-8), else the header's bytes. */
function entryName(header: EntryHeader): string {
  const paxPath = header.pax?.path;
  if (paxPath) return paxPath;
  return utf8Name(header.name, 'entry');
}

function linkName(header: EntryHeader, name: string): string {
  const paxLink = header.pax?.linkpath;
  if (paxLink) return paxLink;
  return utf8Name(header.linkname ?? '', `link target of "${printable(name)}"`);
}

function toEntry(header: EntryHeader): TarEntry {
  const raw = header.raw;
  const rawName = entryName(header);
  const kind = kindOf(header.type, rawName);
  const path = normalizeEntryPath(rawName);
  const pax = header.pax;
  const field = (name: Parameters<typeof headerNumber>[1], max: number, min = 0): number => headerNumber(raw, name, { min, max }, rawName);
  // The reader skips `header.size` bytes of data: the strict reading must agree with it.
  const declaredSize = paxInteger(pax, 'size', () => field('size', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER, rawName);
  if (declaredSize !== header.size) throw new BadTarError(`entry "${printable(rawName)}" has an invalid size`);
  const size = kind === 'file' ? declaredSize : 0;
  // No data is skipped after a directory header (as in tar-stream): its "data" would be parsed as
  // more headers, entries other tar readers never see.
  if (kind === 'dir' && declaredSize !== 0) throw new BadTarError(`directory "${printable(rawName)}" claims ${declaredSize} bytes of data`);
  if (kind !== 'file' && kind !== 'dir' && declaredSize !== 0 && header.type !== 'link') {
    throw new BadTarError(`entry "${printable(rawName)}" (${kind}) claims ${declaredSize} bytes of data`);
  }
  let linkTarget = '';
  if (kind === 'symlink') {
    linkTarget = linkName(header, rawName);
    if (linkTarget === '' || linkTarget.includes('\0') || Buffer.byteLength(linkTarget) > MAX_SYMLINK_BYTES) {
      throw new BadTarError(`symlink "${printable(rawName)}" has an empty, NUL-containing or over-long target`);
    }
  } else if (kind === 'hardlink') {
    linkTarget = normalizeEntryPath(linkName(header, rawName), `hardlink target of "${printable(rawName)}"`);
    if (linkTarget === '') throw new BadTarError(`hardlink "${printable(rawName)}" points at the root directory`);
  }
  if (path === '' && kind !== 'dir') throw new BadTarError(`entry "${printable(rawName)}" replaces the root with a ${kind}`);
  const device = kind === 'chardev' || kind === 'blockdev';
  const time = paxTime(pax, () => field('mtime', Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER), rawName);
  return {
    path,
    kind,
    permissions: field('mode', Number.MAX_SAFE_INTEGER) & 0o7777,
    uid: paxInteger(pax, 'uid', () => field('uid', MAX_ID), MAX_ID, rawName),
    gid: paxInteger(pax, 'gid', () => field('gid', MAX_ID), MAX_ID, rawName),
    mtime: time.sec,
    mtimeNsec: time.nsec,
    size,
    linkTarget,
    // Device numbers mean something only for devices; other entries often carry blanks there.
    devMajor: device ? field('devmajor', MAX_DEVICE_MAJOR) : 0,
    devMinor: device ? field('devminor', MAX_DEVICE_MINOR) : 0,
    xattrs: pax?.[PAX_XATTRS] ?? new Map(),
  };
}

/** A header with the long names and PAX records before it applied. */
export interface EntryHeader extends TarHeader {
  pax: PaxRecords | null;
}

/** Largest GNU long name or PAX header read (as tar-stream: far above any real one). */
const MAX_LONG_HEADER = 4 * 1024 * 1024;

export function truncated(): BadTarError {
  return new BadTarError('tar stream is truncated (unexpected end of data)');
}

/** What one header block is: an extension header whose record follows, or an entry. */
export type DecodedHeader =
  | { extension: EntryHeader; size: number }
  | { entry: TarEntry; dataBytes: number }
  | null;

/**
 * The entry rules over a sequence of header blocks, without I/O: GNU long names and PAX records
 * apply to the entry after them. Shared by the stream reader below and the converter's native
 * framing (converter/native-layer.ts), so both read headers alike.
 */
export class TarHeaderSequence {
  private gnuLongPath: string | null = null;
  private gnuLongLinkPath: string | null = null;
  private pax: PaxRecords | null = null;
  private paxGlobal: PaxRecords | null = null;

  /**
   * Decodes a 512-byte header block: null for an all-zero block, an extension header (its
   * `size` bytes of record must be passed to `extension` next), or an entry with the bytes of
   * data that follow it.
   */
  header(block: Uint8Array): DecodedHeader {
    const decoded = decodeTarHeader(block);
    if (decoded === null) return null;
    const header: EntryHeader = { ...decoded, pax: null };
    switch (header.type) {
      case 'gnu-long-path':
      case 'gnu-long-link-path':
      case 'pax-global-header':
      case 'pax-header':
        if (header.size > MAX_LONG_HEADER) throw new BadTarError('tar stream is corrupt (Header exceeds max size)');
        if (!(header.size >= 0)) throw new BadTarError(CORRUPT_HEADER);
        return { extension: header, size: header.size };
    }
    if (this.gnuLongPath !== null) header.name = this.gnuLongPath;
    if (this.gnuLongLinkPath !== null) header.linkname = this.gnuLongLinkPath;
    this.gnuLongPath = null;
    this.gnuLongLinkPath = null;
    const pax = this.pax;
    if (pax !== null) {
      if (pax.path) header.name = pax.path;
      if (pax.linkpath) header.linkname = pax.linkpath;
      if (pax.size) header.size = parseInt(pax.size, 10);
      header.pax = pax;
      this.pax = null;
    }
    if (!(header.size >= 0)) throw new BadTarError('tar stream is corrupt (Invalid header)');
    const entry = toEntry(header);
    return { entry, dataBytes: header.type === 'directory' ? 0 : header.size };
  }

  /** Applies the record of an extension header (exactly its `size` bytes). */
  extension(header: EntryHeader, bytes: Uint8Array): void {
    if (header.type === 'gnu-long-path') this.gnuLongPath = decodeLongName(bytes);
    else if (header.type === 'gnu-long-link-path') this.gnuLongLinkPath = decodeLongName(bytes);
    else if (header.type === 'pax-global-header') this.paxGlobal = decodePaxRecords(bytes);
    else this.pax = this.paxGlobal === null ? decodePaxRecords(bytes) : mergePax(this.paxGlobal, decodePaxRecords(bytes));
  }
}

/**
 * Yields the entries of an uncompressed tar stream in order. The caller must consume each body
 * before asking for the next entry (what it leaves is skipped). Malformed input raises
 * BadTarError; errors of the stream itself (decompression, digest) pass through.
 */
export async function* readTarEntries(tar: NodeJS.ReadableStream): AsyncGenerator<{
  entry: TarEntry;
  body: TarBody;
}> {
  const pieces = tar[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const cursor = new ByteCursor(pieces);
  const headers = new TarHeaderSequence();
  let completed = false;
  try {
    for (;;) {
      const block = await cursor.read(TAR_BLOCK);
      if (block === null) break;
      if (block.byteLength < TAR_BLOCK) throw truncated();
      const decoded = headers.header(block);
      if (decoded === null) continue;
      if ('extension' in decoded) {
        const bytes = decoded.size === 0 ? new Uint8Array(0) : await cursor.read(decoded.size);
        if (bytes === null || bytes.byteLength < decoded.size) throw truncated();
        headers.extension(decoded.extension, bytes);
        await skipExactly(cursor, blockPadding(decoded.size));
        continue;
      }
      const { entry, dataBytes } = decoded;
      const data = { remaining: dataBytes };
      yield { entry, body: bodyOf(cursor, data) };
      // Skip whatever the consumer left, then the padding, to reach the next header.
      await skipExactly(cursor, data.remaining);
      data.remaining = 0;
      await skipExactly(cursor, blockPadding(dataBytes));
    }
    completed = true;
  } catch (err) {
    throw asTarError(err);
  } finally {
    // Left early (an error, or the consumer stopped): release the stream. At the end it is left
    // as it is, for callers that read on past the archive.
    if (!completed) await pieces.return?.().catch(() => undefined);
  }
}

async function skipExactly(cursor: ByteCursor, n: number): Promise<void> {
  if (n > 0 && (await cursor.skip(n)) < n) throw truncated();
}

async function* bodyOf(cursor: ByteCursor, data: { remaining: number }): AsyncGenerator<Uint8Array> {
  try {
    while (data.remaining > 0) {
      const piece = await cursor.next(data.remaining);
      if (piece === null) throw truncated();
      data.remaining -= piece.byteLength;
      yield piece;
    }
  } catch (err) {
    throw asTarError(err);
  }
}

/** Errors of the source stream (decompression, digest) and the reader's own pass through as they are. */
function asTarError(err: unknown): Error {
  if (err instanceof DarnerError || err instanceof Error) return err;
  return new BadTarError(String(err));
}
