/**
 * A plain, order-independent description of an ImageMetadata for deepEqual: one row per path
 * (sorted), hard links as "same node as <first path>", digests and xattr values as hex.
 */
import type { ImageMetadata, TreeNode } from '../../../src/format/model.js';

export interface PathRow {
  path: string;
  kind: string;
  permissions: number;
  uid: number;
  gid: number;
  mtime: number;
  mtimeNsec: number;
  xattrs: Array<[string, string]>;
  detail: unknown;
  /** The first path (in sorted order) of this node object. */
  node: string;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every (path, node) of the tree, depth first, names in byte order. */
export function paths(meta: ImageMetadata): Array<[string, TreeNode]> {
  const out: Array<[string, TreeNode]> = [];
  const visit = (path: string, node: TreeNode): void => {
    out.push([path, node]);
    if (node.kind !== 'dir') return;
    const names = [...node.entries.keys()].sort(byteOrder);
    for (const name of names) visit(path === '/' ? `/${name}` : `${path}/${name}`, node.entries.get(name)!);
  };
  visit('/', meta.root);
  return out;
}

export function canonical(meta: ImageMetadata): unknown {
  const first = new Map<TreeNode, string>();
  const rows: PathRow[] = [];
  for (const [path, node] of paths(meta)) {
    if (!first.has(node)) first.set(node, path);
    let detail: unknown;
    switch (node.kind) {
      case 'file':
        detail = { size: node.size, chunks: node.chunks };
        break;
      case 'symlink':
        detail = { target: node.target };
        break;
      case 'chardev':
      case 'blockdev':
        detail = { major: node.major, minor: node.minor };
        break;
      case 'dir':
        detail = { entries: [...node.entries.keys()].sort(byteOrder) };
        break;
      default:
        detail = null;
    }
    rows.push({
      path,
      kind: node.kind,
      permissions: node.permissions,
      uid: node.uid,
      gid: node.gid,
      mtime: node.mtime,
      mtimeNsec: node.mtimeNsec,
      xattrs: [...node.xattrs].map(([k, v]): [string, string] => [k, Buffer.from(v).toString('hex')]).sort((a, b) => byteOrder(a[0], b[0])),
      detail,
      node: first.get(node)!,
    });
  }
  return {
    chunkSize: meta.chunkSize,
    digestAlgorithm: meta.digestAlgorithm,
    compressor: meta.compressor,
    buildTime: meta.buildTime,
    blobs: meta.blobs.map((b) => ({ ...b })),
    chunks: meta.chunks.map((c) => ({ ...c, digest: Buffer.from(c.digest).toString('hex') })),
    rows,
    prefetch: meta.prefetch.map((f) => first.get(f) ?? '(not in tree)'),
  };
}

/** `meta` with every blob's uncompressed size rounded up to whole blocks, as darner writes it since format v2 (v1 recorded the end of the last chunk). */
export function blockAlignedBlobs(meta: ImageMetadata): ImageMetadata {
  return { ...meta, blobs: meta.blobs.map((b) => ({ ...b, uncompressedSize: Math.ceil(b.uncompressedSize / 4096) * 4096 })) };
}
