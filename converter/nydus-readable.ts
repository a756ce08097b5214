import { HOLE, type ImageMetadata, type TreeNode } from '../src/format/model.js';

/**
 * Whether nydusd can read an image darner is about to publish under Nydus's annotations (pure).
 * nydus-snapshotter hands such an image to nydusd, which maps every chunk through its blob's
 * chunk-info array and refuses a hole (device 0 in a chunk index entry). The blobs `darner
 * convert` writes carry the array and it writes no holes; a chunk dictionary's blob is recorded
 * without its array, since the image uses only some of its chunks and their chunk-info indexes
 * are not the array's (chunk-store.ts). Returns why not, or undefined when nydusd can read it.
 */
export function nydusUnreadableReason(meta: Pick<ImageMetadata, 'blobs' | 'root'>): string | undefined {
  const bare = meta.blobs.find((blob) => blob.chunkInfoOffset === undefined);
  if (bare) return `blob ${bare.id} has no chunk-info array the bootstrap names (a chunk dictionary's blob)`;
  const holey = firstHole(meta.root, '');
  if (holey !== undefined) return `/${holey} has a hole (nydusd reads a hole as a missing blob)`;
  return undefined;
}

function firstHole(node: TreeNode, path: string): string | undefined {
  if (node.kind === 'file') return node.chunks.includes(HOLE) ? path : undefined;
  if (node.kind !== 'dir') return undefined;
  for (const [name, child] of node.entries) {
    const found = firstHole(child, path === '' ? name : `${path}/${name}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
