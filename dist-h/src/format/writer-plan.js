import { BLOCK_SIZE, CHUNK_INDEX_ENTRY_SIZE, DATALAYOUT_CHUNK_BASED, DATALAYOUT_FLAT_INLINE, DATALAYOUT_FLAT_PLAIN, DEVICE_SLOT_SIZE, EXTENDED_INODE_SIZE, INODE_SLOT_SIZE, NULL_ADDR, } from './constants.js';
import { alignUp, encodeUtf8 } from './bytes.js';
import { chunkFormatFor } from './chunk-index.js';
import { compareNames, planDirectoryBlocks } from './dirent.js';
import { encodeRdev } from './inode.js';
import { encodeXattrIbody, makeXattrEntry } from './xattr.js';
import { RAFS_BLOB_RECORD_SIZE, RAFS_CHUNK_RECORD_SIZE, RAFS_DEVICE_TABLE_SLOTOFF, RAFS_PREFETCH_ENTRY_SIZE, } from './rafs-v6.js';
const DOT = encodeUtf8('.');
const DOTDOT = encodeUtf8('..');
/** Visits every node once, depth first, children in name order; counts the names of each node. */
function traverse(root) {
    const order = [];
    const names = new Map([[root, 1]]);
    const parents = new Map([[root, root]]);
    const sorted = new Map();
    const stack = [root];
    while (stack.length > 0) {
        const node = stack.pop();
        order.push(node);
        if (node.kind !== 'dir')
            continue;
        const entries = [...node.entries].map(([name, child]) => ({ name: encodeUtf8(name), node: child }));
        entries.sort((a, b) => compareNames(a.name, b.name));
        sorted.set(node, entries);
        const fresh = [];
        for (const { node: child } of entries) {
            const seen = names.get(child);
            names.set(child, (seen ?? 0) + 1);
            if (seen === undefined)
                fresh.push(child);
            if (child.kind === 'dir')
                parents.set(child, node);
        }
        for (let i = fresh.length - 1; i >= 0; i--)
            stack.push(fresh[i]);
    }
    return { order, names, parents, sorted };
}
function xattrEntriesOf(node) {
    const entries = [...node.xattrs].map(([name, value]) => ({ name, entry: makeXattrEntry(name, value) }));
    entries.sort((a, b) => compareNames(encodeUtf8(a.name), encodeUtf8(b.name)));
    return entries.map((e) => e.entry);
}
/** Plans the layout of `meta` (which validateImageMetadata has accepted). */
export function planBootstrap(meta) {
    const { order, names, parents, sorted } = traverse(meta.root);
    const inodes = [];
    const byNode = new Map();
    // 1. Sizes, versions, layouts and record sizes.
    order.forEach((node, i) => {
        const { bytes: xattrIbody, icount: xattrIcount } = encodeXattrIbody(xattrEntriesOf(node));
        let size = 0;
        let nlink = names.get(node);
        let entries;
        let blockStarts;
        let target;
        if (node.kind === 'dir') {
            const children = sorted.get(node);
            nlink = 2 + children.filter((e) => e.node.kind === 'dir').length;
            entries = [...children, { name: DOT, node }, { name: DOTDOT, node: parents.get(node) }];
            entries.sort((a, b) => compareNames(a.name, b.name));
            const blocks = planDirectoryBlocks(entries.map((e) => e.name.length));
            blockStarts = blocks.blockStarts;
            size = blocks.size;
        }
        else if (node.kind === 'file') {
            size = node.size;
        }
        else if (node.kind === 'symlink') {
            target = encodeUtf8(node.target);
            size = target.length;
        }
        // Every inode is extended, as nydus-image writes them: 64 bits of size and uid/gid, its own mtime.
        const core = EXTENDED_INODE_SIZE;
        let datalayout = DATALAYOUT_FLAT_PLAIN;
        let recordSize = core + xattrIbody.length;
        let dataBlocks = 0;
        if (node.kind === 'file') {
            // Empty files too (no index entries), as nydus-image writes them.
            datalayout = DATALAYOUT_CHUNK_BASED;
            recordSize = alignUp(recordSize, CHUNK_INDEX_ENTRY_SIZE) + node.chunks.length * CHUNK_INDEX_ENTRY_SIZE;
        }
        else if (node.kind === 'dir' || node.kind === 'symlink') {
            const blocks = Math.ceil(size / BLOCK_SIZE);
            const tail = size - (blocks - 1) * BLOCK_SIZE;
            if (recordSize + tail <= BLOCK_SIZE) {
                datalayout = DATALAYOUT_FLAT_INLINE;
                recordSize += tail;
                dataBlocks = blocks - 1;
            }
            else {
                dataBlocks = blocks;
            }
        }
        const planned = {
            node,
            ordinal: i + 1,
            nid: 0,
            offset: 0,
            datalayout,
            xattrIbody,
            xattrIcount,
            nlink,
            size,
            u: 0,
            recordSize,
            dataBlocks,
            ...(node.kind === 'dir' ? { parent: parents.get(node), entries: entries, blockStarts: blockStarts } : {}),
            ...(target !== undefined ? { target } : {}),
        };
        inodes.push(planned);
        byNode.set(node, planned);
    });
    // 2. The tables before the metadata: device slots at 0x580, then the blob table at the next
    // block, the prefetch table right after it; meta_blkaddr is the block after those.
    const deviceTableOffset = RAFS_DEVICE_TABLE_SLOTOFF * DEVICE_SLOT_SIZE;
    const deviceTableEnd = deviceTableOffset + meta.blobs.length * DEVICE_SLOT_SIZE;
    const blobTableOffset = alignUp(Math.max(deviceTableEnd, BLOCK_SIZE), BLOCK_SIZE);
    const blobTableEnd = blobTableOffset + meta.blobs.length * RAFS_BLOB_RECORD_SIZE;
    const prefetchEnd = blobTableEnd + meta.prefetch.length * RAFS_PREFETCH_ENTRY_SIZE;
    const metaBlkaddr = alignUp(prefetchEnd, BLOCK_SIZE) / BLOCK_SIZE;
    const metaBase = metaBlkaddr * BLOCK_SIZE;
    // 3. Inode placement from the block after meta_blkaddr: 32-byte aligned, a record of at most a
    // block never crosses one, a larger record (a long chunk index, huge xattrs) starts on a block
    // boundary.
    let pos = metaBase + BLOCK_SIZE;
    for (const p of inodes) {
        const within = pos % BLOCK_SIZE;
        if (within !== 0 && (p.recordSize > BLOCK_SIZE || within + p.recordSize > BLOCK_SIZE))
            pos = alignUp(pos, BLOCK_SIZE);
        p.offset = pos;
        p.nid = (pos - metaBase) / INODE_SLOT_SIZE;
        pos = alignUp(pos + p.recordSize, INODE_SLOT_SIZE);
    }
    // 4. Data blocks after the inodes, then i_u of every inode.
    let block = alignUp(pos, BLOCK_SIZE) / BLOCK_SIZE;
    for (const p of inodes) {
        const node = p.node;
        if (node.kind === 'file') {
            p.u = chunkFormatFor(meta.chunkSize);
        }
        else if (node.kind === 'chardev' || node.kind === 'blockdev') {
            p.u = encodeRdev(node.major, node.minor);
        }
        else if (node.kind === 'dir' || node.kind === 'symlink') {
            if (p.dataBlocks === 0) {
                p.u = NULL_ADDR;
            }
            else {
                p.u = block;
                block += p.dataBlocks;
            }
        }
    }
    // 5. The chunk-info table after the metadata, block aligned.
    const chunkTableOffset = block * BLOCK_SIZE;
    const imageSize = alignUp(chunkTableOffset + meta.chunks.length * RAFS_CHUNK_RECORD_SIZE, BLOCK_SIZE);
    return {
        inodes,
        byNode,
        root: byNode.get(meta.root),
        deviceTableOffset,
        blobTableOffset,
        prefetchTableOffset: meta.prefetch.length > 0 ? blobTableEnd : 0,
        metaBlkaddr,
        chunkTableOffset,
        imageSize,
    };
}
/**
 * Each chunk's index in its blob's chunk-info array (what a RAFS v6 chunk index entry and
 * chunk-info record carry): its rank among the blob's chunks by uncompressed offset, the order
 * in which they lie in the blob.
 */
export function chunkInfoIndexes(meta) {
    const order = meta.chunks.map((_, i) => i);
    order.sort((a, b) => {
        const ca = meta.chunks[a];
        const cb = meta.chunks[b];
        return ca.blobIndex - cb.blobIndex || ca.uncompressedOffset - cb.uncompressedOffset || a - b;
    });
    const out = new Uint32Array(meta.chunks.length);
    let blob = -1;
    let rank = 0;
    for (const i of order) {
        const c = meta.chunks[i];
        if (c.blobIndex !== blob) {
            blob = c.blobIndex;
            rank = 0;
        }
        out[i] = rank++;
    }
    return out;
}
//# sourceMappingURL=writer-plan.js.map