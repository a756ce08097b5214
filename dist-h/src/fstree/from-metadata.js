import { createHash } from 'node:crypto';
import { HOLE } from '../format/model.js';
/**
 * FsTree of an image model (a converted image's bootstrap, or OCI layers applied through the
 * converter's merger). File content is keyed by chunk digests, which is what lets `darner check`
 * compare file bytes without holding them: see contentKey.
 */
/**
 * The content key of a file: sha256 over its chunks' digests in order. Two files have the same
 * key exactly when their bytes are the same (given collision-resistant chunk digests computed with
 * the same algorithm and chunk size). `zeroDigest(length)` gives the digest of `length` zero bytes,
 * so holes and stored zero chunks compare equal.
 */
export function contentKey(chunkDigests) {
    const hash = createHash('sha256');
    for (const d of chunkDigests)
        hash.update(d);
    return hash.digest('hex');
}
export function fileChunkDigests(meta, file, content) {
    const out = [];
    for (let slot = 0; slot < file.chunks.length; slot += 1) {
        const index = file.chunks[slot];
        const length = Math.min(meta.chunkSize, file.size - slot * meta.chunkSize);
        out.push(index === HOLE ? content.zeroDigest(length) : content.chunkDigest(index));
    }
    return out;
}
export function treeFromMetadata(meta, content) {
    const tree = new Map();
    const inodes = new Map();
    const visit = (node, path) => {
        let inode = inodes.get(node);
        if (inode === undefined) {
            inode = inodes.size + 1;
            inodes.set(node, inode);
        }
        const entry = {
            path,
            kind: node.kind,
            permissions: node.permissions,
            uid: node.uid,
            gid: node.gid,
            size: node.kind === 'file' ? node.size : node.kind === 'symlink' ? Buffer.byteLength(node.target) : 0,
            mtime: node.mtime,
            mtimeNsec: node.mtimeNsec,
            xattrs: new Map([...node.xattrs].map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
            inode,
        };
        if (node.kind === 'symlink')
            entry.target = node.target;
        if (node.kind === 'chardev' || node.kind === 'blockdev')
            entry.rdev = { major: node.major, minor: node.minor };
        if (node.kind === 'file')
            entry.content = contentKey(fileChunkDigests(meta, node, content));
        tree.set(path, entry);
        if (node.kind === 'dir') {
            for (const [name, child] of node.entries)
                visit(child, path === '' ? name : `${path}/${name}`);
        }
    };
    visit(meta.root, '');
    return tree;
}
//# sourceMappingURL=from-metadata.js.map