/**
 * Layout decisions of the bootstrap writer, made before any byte is written: which inode gets
 * which nid, compact or extended, which data layout, where directory and symlink data that does
 * not fit inline goes, and where the extension region starts. Pure and deterministic: the same
 * model always gives the same plan.
 *
 * Block map of the bootstrap:
 *   block 0: [0,1024) zero | superblock | darner header | device table ...
 *   inodes, packed from the end of the device table, 32-byte aligned, none crossing a block
 *   data blocks of directories and symlinks too big to be inline
 *   the extension region (blob table, chunk table, prefetch table), then zero padding to a block
 */
import type { DirectoryNode, ImageMetadata, TreeNode } from './model.js';
import {
  BLOCK_SIZE,
  CHUNK_INDEX_ENTRY_SIZE,
  COMPACT_INODE_SIZE,
  DATALAYOUT_CHUNK_BASED,
  DATALAYOUT_FLAT_INLINE,
  DATALAYOUT_FLAT_PLAIN,
  DEVICE_SLOT_SIZE,
  DEVICE_TABLE_OFFSET,
  EXTENDED_INODE_SIZE,
  INODE_SLOT_SIZE,
  NULL_ADDR,
} from './constants.js';
import { alignUp, encodeUtf8 } from './bytes.js';
import { chunkFormatFor } from './chunk-index.js';
import { compareNames, planDirectoryBlocks } from './dirent.js';
import { encodeRdev } from './inode.js';
import { encodeXattrIbody, makeXattrEntry, type XattrEntry } from './xattr.js';

/** A directory entry as planned: name bytes and the node it names. */
export interface PlannedEntry {
  name: Uint8Array;
  node: TreeNode;
}

export interface PlannedInode {
  node: TreeNode;
  /** 1-based serial written as i_ino. */
  ordinal: number;
  nid: number;
  /** Byte offset of the inode in the image (= nid × 32). */
  offset: number;
  extended: boolean;
  datalayout: number;
  xattrIbody: Uint8Array;
  xattrIcount: number;
  nlink: number;
  /** i_size. */
  size: number;
  /** i_u: start block, rdev, chunk format or 0. */
  u: number;
  /** Bytes from `offset` the inode, its xattrs and its inline data or chunk index take. */
  recordSize: number;
  /** Directories: the parent (the root is its own parent) and the sorted entries incl. `.`/`..`. */
  parent?: DirectoryNode;
  entries?: PlannedEntry[];
  /** Directories: index into `entries` of the first entry of each block. */
  blockStarts?: number[];
  /** Directories and symlinks: blocks of data stored outside the inode area. */
  dataBlocks: number;
  /** Symlinks: the target bytes. */
  target?: Uint8Array;
}

export interface BootstrapPlan {
  /** Inodes in nid order (the root first). */
  inodes: PlannedInode[];
  byNode: Map<TreeNode, PlannedInode>;
  root: PlannedInode;
  /** Byte offset of the extension region (block-aligned). */
  regionOffset: number;
}

const DOT = encodeUtf8('.');
const DOTDOT = encodeUtf8('..');

/** Visits every node once, depth first, children in name order; counts the names of each node. */
function traverse(root: DirectoryNode): {
  order: TreeNode[];
  names: Map<TreeNode, number>;
  parents: Map<DirectoryNode, DirectoryNode>;
  sorted: Map<DirectoryNode, PlannedEntry[]>;
} {
  const order: TreeNode[] = [];
  const names = new Map<TreeNode, number>([[root, 1]]);
  const parents = new Map<DirectoryNode, DirectoryNode>([[root, root]]);
  const sorted = new Map<DirectoryNode, PlannedEntry[]>();
  const stack: TreeNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    if (node.kind !== 'dir') continue;
    const entries = [...node.entries].map(([name, child]) => ({ name: encodeUtf8(name), node: child }));
    entries.sort((a, b) => compareNames(a.name, b.name));
    sorted.set(node, entries);
    const fresh: TreeNode[] = [];
    for (const { node: child } of entries) {
      const seen = names.get(child);
      names.set(child, (seen ?? 0) + 1);
      if (seen === undefined) fresh.push(child);
      if (child.kind === 'dir') parents.set(child, node);
    }
    for (let i = fresh.length - 1; i >= 0; i--) stack.push(fresh[i]!);
  }
  return { order, names, parents, sorted };
}

function xattrEntriesOf(node: TreeNode): XattrEntry[] {
  const entries = [...node.xattrs].map(([name, value]) => ({ name, entry: makeXattrEntry(name, value)! }));
  entries.sort((a, b) => compareNames(encodeUtf8(a.name), encodeUtf8(b.name)));
  return entries.map((e) => e.entry);
}

const TWO_32 = 0x1_0000_0000;

/** Plans the layout of `meta` (which validateImageMetadata has accepted). */
export function planBootstrap(meta: ImageMetadata): BootstrapPlan {
  const { order, names, parents, sorted } = traverse(meta.root);
  const inodes: PlannedInode[] = [];
  const byNode = new Map<TreeNode, PlannedInode>();

  // 1. Sizes, versions, layouts and record sizes.
  order.forEach((node, i) => {
    const { bytes: xattrIbody, icount: xattrIcount } = encodeXattrIbody(xattrEntriesOf(node));
    let size = 0;
    let nlink = names.get(node)!;
    let entries: PlannedEntry[] | undefined;
    let blockStarts: number[] | undefined;
    let target: Uint8Array | undefined;
    if (node.kind === 'dir') {
      const children = sorted.get(node)!;
      nlink = 2 + children.filter((e) => e.node.kind === 'dir').length;
      entries = [...children, { name: DOT, node }, { name: DOTDOT, node: parents.get(node)! }];
      entries.sort((a, b) => compareNames(a.name, b.name));
      const blocks = planDirectoryBlocks(entries.map((e) => e.name.length));
      blockStarts = blocks.blockStarts;
      size = blocks.size;
    } else if (node.kind === 'file') {
      size = node.size;
    } else if (node.kind === 'symlink') {
      target = encodeUtf8(node.target);
      size = target.length;
    }
    const extended =
      node.uid > 0xffff ||
      node.gid > 0xffff ||
      nlink > 0xffff ||
      size >= TWO_32 ||
      node.mtime !== meta.buildTime ||
      node.mtimeNsec !== 0;
    const core = extended ? EXTENDED_INODE_SIZE : COMPACT_INODE_SIZE;
    let datalayout = DATALAYOUT_FLAT_PLAIN;
    let recordSize = core + xattrIbody.length;
    let dataBlocks = 0;
    if (node.kind === 'file' && size > 0) {
      datalayout = DATALAYOUT_CHUNK_BASED;
      recordSize = alignUp(recordSize, CHUNK_INDEX_ENTRY_SIZE) + node.chunks.length * CHUNK_INDEX_ENTRY_SIZE;
    } else if (node.kind === 'dir' || node.kind === 'symlink') {
      const blocks = Math.ceil(size / BLOCK_SIZE);
      const tail = size - (blocks - 1) * BLOCK_SIZE;
      if (recordSize + tail <= BLOCK_SIZE) {
        datalayout = DATALAYOUT_FLAT_INLINE;
        recordSize += tail;
        dataBlocks = blocks - 1;
      } else {
        dataBlocks = blocks;
      }
    }
    const planned: PlannedInode = {
      node,
      ordinal: i + 1,
      nid: 0,
      offset: 0,
      extended,
      datalayout,
      xattrIbody,
      xattrIcount,
      nlink,
      size,
      u: 0,
      recordSize,
      dataBlocks,
      ...(node.kind === 'dir' ? { parent: parents.get(node)!, entries: entries!, blockStarts: blockStarts! } : {}),
      ...(target !== undefined ? { target } : {}),
    };
    inodes.push(planned);
    byNode.set(node, planned);
  });

  // 2. Inode placement: 32-byte aligned, a record of at most a block never crosses one, a larger
  // record (a long chunk index, huge xattrs) starts on a block boundary.
  let pos = alignUp(DEVICE_TABLE_OFFSET + meta.blobs.length * DEVICE_SLOT_SIZE, INODE_SLOT_SIZE);
  for (const p of inodes) {
    const within = pos % BLOCK_SIZE;
    if (within !== 0 && (p.recordSize > BLOCK_SIZE || within + p.recordSize > BLOCK_SIZE)) pos = alignUp(pos, BLOCK_SIZE);
    p.offset = pos;
    p.nid = pos / INODE_SLOT_SIZE;
    pos = alignUp(pos + p.recordSize, INODE_SLOT_SIZE);
  }

  // 3. Data blocks after the inodes, then i_u of every inode.
  let block = alignUp(pos, BLOCK_SIZE) / BLOCK_SIZE;
  for (const p of inodes) {
    const node = p.node;
    if (node.kind === 'file') {
      p.u = p.datalayout === DATALAYOUT_CHUNK_BASED ? chunkFormatFor(meta.chunkSize) : 0;
    } else if (node.kind === 'chardev' || node.kind === 'blockdev') {
      p.u = encodeRdev(node.major, node.minor);
    } else if (node.kind === 'dir' || node.kind === 'symlink') {
      if (p.dataBlocks === 0) {
        p.u = NULL_ADDR;
      } else {
        p.u = block;
        block += p.dataBlocks;
      }
    }
  }
  return { inodes, byNode, root: byNode.get(meta.root)!, regionOffset: block * BLOCK_SIZE };
}
