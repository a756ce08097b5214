import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeKind } from '../format/model.js';
import { contentKey } from './from-metadata.js';
import type { FsEntry, FsTree } from './model.js';

/**
 * FsTree of a directory on disk: a kernel EROFS mount, a FUSE mount, an extracted reference.
 * Never follows symlinks. Regular files are read to compute their content key with the same
 * chunking as the image they are compared with.
 */

export interface DirectoryReadOptions {
  chunkSize: number;
  /** Digests of the given chunks with the image's algorithm. */
  digest(chunks: Uint8Array[]): Promise<Uint8Array[]>;
  /** Extended attributes of a path without following symlinks. */
  xattrs(path: string): Map<string, Uint8Array>;
}

export async function treeFromDirectory(root: string, options: DirectoryReadOptions): Promise<FsTree> {
  const tree: FsTree = new Map();
  const inodes = new Map<string, number>();
  const visit = async (abs: string, rel: string): Promise<void> => {
    const st = await lstat(abs, { bigint: true });
    const devIno = `${st.dev}:${st.ino}`;
    let inode = inodes.get(devIno);
    if (inode === undefined) {
      inode = inodes.size + 1;
      inodes.set(devIno, inode);
    }
    const kind = kindOf(Number(st.mode));
    const entry: FsEntry = {
      path: rel,
      kind,
      permissions: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: kind === 'file' || kind === 'symlink' ? Number(st.size) : 0,
      mtime: Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs < 0n && st.mtimeNs % 1_000_000_000n !== 0n ? 1 : 0),
      mtimeNsec: Number(((st.mtimeNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n),
      xattrs: new Map([...options.xattrs(abs)].map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
      inode,
    };
    if (kind === 'symlink') entry.target = await readlink(abs);
    if (kind === 'chardev' || kind === 'blockdev') {
      const rdev = Number(st.rdev);
      entry.rdev = { major: ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff), minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
    }
    if (kind === 'file') entry.content = await fileContentKey(abs, Number(st.size), options);
    tree.set(rel, entry);
    if (kind === 'dir') {
      const names = (await readdir(abs, { encoding: 'buffer' })).map((name) => utf8Name(name, rel));
      names.sort();
      for (const name of names) await visit(join(abs, name), rel === '' ? name : `${rel}/${name}`);
    }
  };
  await visit(root, '');
  return tree;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A directory entry's name as text. Paths in an FsTree are UTF-8 taken byte for byte (as the tar
 * reader and the bootstrap reader take them); a name that is not UTF-8 would be folded into
 * U+FFFD by a plain readdir, and two such names into one entry, so it is an error instead.
 */
function utf8Name(name: Buffer, dir: string): string {
  try {
    return strictUtf8.decode(name);
  } catch {
    const shown = [...name].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new Error(`/${dir}: entry "${shown}" has a name that is not valid UTF-8`);
  }
}

/** Content key of a file on disk, computed chunk by chunk (bounded memory). */
export async function fileContentKey(path: string, size: number, options: Pick<DirectoryReadOptions, 'chunkSize' | 'digest'>): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const digests: Uint8Array[] = [];
    const batchChunks = Math.max(1, Math.floor((16 << 20) / options.chunkSize));
    let offset = 0;
    while (offset < size) {
      const batch: Uint8Array[] = [];
      while (batch.length < batchChunks && offset < size) {
        const length = Math.min(options.chunkSize, size - offset);
        const buf = Buffer.alloc(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) throw new Error(`${path}: file shorter than its size (${offset + got} of ${size} bytes)`);
          got += bytesRead;
        }
        batch.push(buf);
        offset += length;
      }
      digests.push(...(await options.digest(batch)));
    }
    return contentKey(digests);
  } finally {
    await handle.close();
  }
}

function kindOf(mode: number): NodeKind {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'chardev';
    case 0o060000:
      return 'blockdev';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      throw new Error(`unknown file type in mode 0${mode.toString(8)}`);
  }
}
