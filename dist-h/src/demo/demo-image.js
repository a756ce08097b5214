/**
 * The demo's OCI image, built on the spot: Debian's static busybox with a few applets, a couple of
 * text files and some larger files of incompressible data (so that lazy loading has something to
 * skip), as one gzip layer in an OCI layout. No registry or container engine involved.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { openImageTarget } from '../blob/image-store.js';
import { NotFoundError } from '../errors.js';
import { MediaType } from '../oci/image-spec.js';
/** Debian's busybox-static binary (package busybox-static). */
export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'ls', 'cat', 'echo', 'sha256sum', 'wc', 'head'];
/** Deterministic incompressible bytes (xorshift32): the same image every time. */
function noise(length, seed) {
    const out = Buffer.allocUnsafe(length);
    let x = seed >>> 0 || 1;
    for (let i = 0; i + 4 <= length; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out.writeUInt32LE(x >>> 0, i);
    }
    return out;
}
export async function demoFiles() {
    let busybox;
    try {
        busybox = await readFile(BUSYBOX);
    }
    catch {
        throw new NotFoundError(`${BUSYBOX} is missing: install Debian's busybox-static (bash .ci/setup does)`);
    }
    const MiB = 1 << 20;
    const large = ['/usr/share/demo/model-weights.bin', '/usr/share/demo/dataset.bin', '/usr/lib/demo/libbig.so'];
    const entries = [
        ...['bin', 'etc', 'usr', 'usr/share', 'usr/share/demo', 'usr/lib', 'usr/lib/demo', 'tmp'].map((path) => ({ type: 'dir', path, mode: path === 'tmp' ? 0o1777 : 0o755 })),
        { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
        ...APPLETS.map((a) => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
        { type: 'file', path: 'etc/motd', data: Buffer.from('Welcome to a lazily loaded darner image.\n') },
        { type: 'file', path: 'etc/os-release', data: Buffer.from('NAME="darner demo"\nID=darner-demo\n') },
        { type: 'file', path: 'usr/share/demo/README', data: Buffer.from('Only the bytes you read travel.\n') },
        { type: 'file', path: large[0].slice(1), data: noise(24 * MiB, 1) },
        { type: 'file', path: large[1].slice(1), data: noise(12 * MiB, 2) },
        { type: 'file', path: large[2].slice(1), data: noise(6 * MiB, 3), mode: 0o755 },
    ];
    return { entries, large };
}
async function tarOf(entries) {
    const pack = tarStream.pack();
    const done = (async () => {
        const parts = [];
        for await (const part of pack)
            parts.push(part);
        return Buffer.concat(parts);
    })();
    const mtime = new Date(1_700_000_000_000);
    for (const e of entries) {
        await new Promise((resolve, reject) => {
            const cb = (err) => (err ? reject(err) : resolve());
            if (e.type === 'file')
                pack.entry({ name: e.path, type: 'file', mode: e.mode ?? 0o644, size: e.data.length, mtime }, e.data, cb);
            else if (e.type === 'dir')
                pack.entry({ name: e.path, type: 'directory', mode: e.mode ?? 0o755, mtime }, cb);
            else
                pack.entry({ name: e.path, type: 'symlink', linkname: e.target, mode: 0o777, mtime }, cb);
        });
    }
    pack.finalize();
    return done;
}
const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** Writes the demo image into OCI layout `dir` under `tag`. */
export async function writeDemoImage(dir, tag) {
    const files = await demoFiles();
    const tar = await tarOf(files.entries);
    const layer = gzipSync(tar, { level: 1 });
    const config = Buffer.from(JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: { Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        history: [{ created: '2024-01-01T00:00:00Z', created_by: 'darner demo' }],
    }));
    const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        config: { mediaType: MediaType.OCI_CONFIG, digest: sha256(config), size: config.length },
        layers: [{ mediaType: MediaType.OCI_LAYER_TAR_GZIP, digest: sha256(layer), size: layer.length }],
    }));
    const target = await openImageTarget(`oci:${dir}:${tag}`);
    try {
        await target.putBlob({ digest: sha256(layer), size: layer.length }, layer);
        await target.putBlob({ digest: sha256(config), size: config.length }, config);
        await target.putManifest(manifest, MediaType.OCI_MANIFEST, tag);
    }
    finally {
        await target.close();
    }
    return files;
}
//# sourceMappingURL=demo-image.js.map