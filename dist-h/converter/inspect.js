import { HOLE } from '../src/format/index.js';
export function inspectMetadata(meta, bootstrapBytes, withTree = false) {
    const entries = { files: 0, directories: 0, symlinks: 0, devices: 0, fifos: 0, sockets: 0, hardlinks: 0 };
    const seen = new Set();
    let fileBytes = 0;
    let slots = 0;
    let holes = 0;
    const tree = [];
    const visit = (node, path) => {
        if (seen.has(node)) {
            entries.hardlinks += 1;
        }
        else {
            seen.add(node);
            switch (node.kind) {
                case 'file':
                    entries.files += 1;
                    fileBytes += node.size;
                    slots += node.chunks.length;
                    holes += node.chunks.filter((c) => c === HOLE).length;
                    break;
                case 'dir':
                    entries.directories += 1;
                    break;
                case 'symlink':
                    entries.symlinks += 1;
                    break;
                case 'chardev':
                case 'blockdev':
                    entries.devices += 1;
                    break;
                case 'fifo':
                    entries.fifos += 1;
                    break;
                case 'socket':
                    entries.sockets += 1;
                    break;
            }
        }
        if (withTree) {
            const row = {
                path: path === '' ? '/' : `/${path}`,
                kind: node.kind,
                mode: node.permissions.toString(8).padStart(4, '0'),
                uid: node.uid,
                gid: node.gid,
                size: node.kind === 'file' ? node.size : 0,
            };
            if (node.kind === 'symlink')
                row.target = node.target;
            if (node.kind === 'file')
                row.chunks = node.chunks.length;
            tree.push(row);
        }
        if (node.kind === 'dir') {
            const names = [...node.entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
            for (const name of names)
                visit(node.entries.get(name), path === '' ? name : `${path}/${name}`);
        }
    };
    visit(meta.root, '');
    const uniqueBytes = meta.chunks.reduce((sum, c) => sum + c.uncompressedSize, 0);
    const storedBytes = meta.chunks.reduce((sum, c) => sum + c.compressedSize, 0);
    const report = {
        chunkSize: meta.chunkSize,
        digestAlgorithm: meta.digestAlgorithm,
        compressor: meta.compressor,
        buildTime: meta.buildTime,
        bootstrapBytes,
        blobs: meta.blobs.map((b) => ({ id: b.id, compressedSize: b.compressedSize, uncompressedSize: b.uncompressedSize, chunkCount: b.chunkCount })),
        entries,
        fileBytes,
        chunks: { slots, unique: meta.chunks.length, holes, uniqueBytes, storedBytes },
        dedupRatio: uniqueBytes > 0 ? fileBytes / uniqueBytes : 1,
        compressionRatio: storedBytes > 0 ? uniqueBytes / storedBytes : 1,
        prefetchFiles: meta.prefetch.length,
    };
    if (withTree)
        report.tree = tree;
    return report;
}
export function formatInspectReport(r) {
    const lines = [];
    lines.push(`bootstrap: ${r.bootstrapBytes} bytes, chunk size ${r.chunkSize}, ${r.digestAlgorithm} digests, ${r.compressor} compression`);
    lines.push(`entries: ${r.entries.files} files, ${r.entries.directories} directories, ${r.entries.symlinks} symlinks, ` +
        `${r.entries.devices} devices, ${r.entries.fifos} fifos, ${r.entries.sockets} sockets, ${r.entries.hardlinks} extra hard links`);
    lines.push(`file data: ${r.fileBytes} bytes in ${r.chunks.slots} chunk slots (${r.chunks.holes} holes)`);
    lines.push(`unique chunks: ${r.chunks.unique} (${r.chunks.uniqueBytes} bytes, stored as ${r.chunks.storedBytes})`);
    lines.push(`dedup ratio: ${r.dedupRatio.toFixed(3)}, compression ratio: ${r.compressionRatio.toFixed(3)}`);
    lines.push(`prefetch list: ${r.prefetchFiles} files`);
    lines.push(`blobs (${r.blobs.length}, device-table order):`);
    for (const [i, b] of r.blobs.entries()) {
        lines.push(`  ${i + 1}: ${b.id}  ${b.compressedSize} bytes stored, ${b.uncompressedSize} uncompressed, ${b.chunkCount} chunks`);
    }
    if (r.tree) {
        lines.push('tree:');
        for (const row of r.tree) {
            const extra = row.target !== undefined ? ` -> ${row.target}` : row.chunks !== undefined ? ` (${row.chunks} chunks)` : '';
            lines.push(`  ${row.kind.padEnd(8)} ${row.mode} ${String(row.uid).padStart(5)}:${String(row.gid).padEnd(5)} ${String(row.size).padStart(10)} ${row.path}${extra}`);
        }
    }
    return lines.join('\n');
}
//# sourceMappingURL=inspect.js.map