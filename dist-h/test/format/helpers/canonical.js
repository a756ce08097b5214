function byteOrder(a, b) {
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
/** Every (path, node) of the tree, depth first, names in byte order. */
export function paths(meta) {
    const out = [];
    const visit = (path, node) => {
        out.push([path, node]);
        if (node.kind !== 'dir')
            return;
        const names = [...node.entries.keys()].sort(byteOrder);
        for (const name of names)
            visit(path === '/' ? `/${name}` : `${path}/${name}`, node.entries.get(name));
    };
    visit('/', meta.root);
    return out;
}
export function canonical(meta) {
    const first = new Map();
    const rows = [];
    for (const [path, node] of paths(meta)) {
        if (!first.has(node))
            first.set(node, path);
        let detail;
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
            xattrs: [...node.xattrs].map(([k, v]) => [k, Buffer.from(v).toString('hex')]).sort((a, b) => byteOrder(a[0], b[0])),
            detail,
            node: first.get(node),
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
export function blockAlignedBlobs(meta) {
    return { ...meta, blobs: meta.blobs.map((b) => ({ ...b, uncompressedSize: Math.ceil(b.uncompressedSize / 4096) * 4096 })) };
}
//# sourceMappingURL=canonical.js.map