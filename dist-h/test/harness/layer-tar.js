import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { compress as zstdCompress } from 'zstd-napi';
const DEFAULT_MTIME = 1_700_000_000;
function paxFor(entry) {
    const pax = {};
    for (const [name, value] of Object.entries(entry.xattrs ?? {})) {
        const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
        const text = bytes.toString('utf8');
        if (Buffer.from(text).equals(bytes) && !text.includes('\n'))
            pax[`SCHILY.xattr.${name}`] = text;
        else
            pax[`LIBARCHIVE.xattr.${encodeURIComponent(name)}`] = bytes.toString('base64');
    }
    const mtime = entry.mtime ?? DEFAULT_MTIME;
    if (!Number.isInteger(mtime))
        pax.mtime = mtime.toFixed(9);
    if ((entry.uid ?? 0) > 0o7777777)
        pax.uid = String(entry.uid);
    if ((entry.gid ?? 0) > 0o7777777)
        pax.gid = String(entry.gid);
    return Object.keys(pax).length > 0 ? pax : undefined;
}
function whiteoutPath(path, name) {
    const i = path.lastIndexOf('/');
    return i < 0 ? name : `${path.slice(0, i)}/${name}`;
}
/** An uncompressed layer tar. */
export async function buildLayerTar(entries) {
    const pack = tarStream.pack();
    const done = (async () => {
        const parts = [];
        for await (const part of pack)
            parts.push(part);
        return Buffer.concat(parts);
    })();
    const add = (header, body) => new Promise((resolve, reject) => {
        const cb = (err) => (err ? reject(err) : resolve());
        // Without a body tar-stream hands back a stream to write; only non-files may omit it.
        if (body === undefined)
            pack.entry(header, cb);
        else
            pack.entry(header, typeof body === 'string' ? body : Buffer.from(body), cb);
    });
    for (const entry of entries) {
        if (entry.type === 'whiteout') {
            const base = entry.path.slice(entry.path.lastIndexOf('/') + 1);
            await add({ name: whiteoutPath(entry.path, `.wh.${base}`), type: 'file', size: 0, mode: 0o644, mtime: new Date(DEFAULT_MTIME * 1000) }, '');
            continue;
        }
        if (entry.type === 'opaque') {
            await add({ name: `${entry.path}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644, mtime: new Date(DEFAULT_MTIME * 1000) }, '');
            continue;
        }
        const uid = entry.uid ?? 0;
        const gid = entry.gid ?? 0;
        const header = {
            name: entry.path,
            mode: entry.mode ?? (entry.type === 'dir' ? 0o755 : entry.type === 'symlink' ? 0o777 : 0o644),
            uid: uid > 0o7777777 ? 0 : uid,
            gid: gid > 0o7777777 ? 0 : gid,
            mtime: new Date(Math.floor(entry.mtime ?? DEFAULT_MTIME) * 1000),
        };
        const pax = paxFor(entry);
        if (pax)
            header.pax = pax;
        switch (entry.type) {
            case 'file': {
                const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data;
                await add({ ...header, type: 'file', size: data.byteLength }, data);
                break;
            }
            case 'dir':
                await add({ ...header, type: 'directory' });
                break;
            case 'symlink':
                await add({ ...header, type: 'symlink', linkname: entry.target });
                break;
            case 'hardlink':
                await add({ ...header, type: 'link', linkname: entry.target });
                break;
            case 'chardev':
            case 'blockdev':
                await add({ ...header, type: entry.type === 'chardev' ? 'character-device' : 'block-device', devmajor: entry.major, devminor: entry.minor });
                break;
            case 'fifo':
                await add({ ...header, type: 'fifo' });
                break;
        }
    }
    pack.finalize();
    return done;
}
export function compressLayer(tar, compression) {
    const blob = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? zstdCompress(tar) : tar;
    const mediaType = compression === 'gzip'
        ? 'application/vnd.oci.image.layer.v1.tar+gzip'
        : compression === 'zstd'
            ? 'application/vnd.oci.image.layer.v1.tar+zstd'
            : 'application/vnd.oci.image.layer.v1.tar';
    return { blob, digest: sha256(blob), diffId: sha256(tar), mediaType };
}
export function sha256(data) {
    return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
/** Deterministic pseudo-random bytes (xorshift), so test data is reproducible and incompressible. */
export function pseudoRandomBytes(length, seed) {
    const out = Buffer.allocUnsafe(length);
    let x = seed >>> 0 || 0x9e3779b9;
    let i = 0;
    for (; i + 4 <= length; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out.writeUInt32LE(x >>> 0, i);
    }
    for (; i < length; i += 1) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = x & 0xff;
    }
    return out;
}
/** Rewrites the octal size field of the tar header at `offset` and fixes its checksum. */
export function patchSize(tar, offset, size) {
    const copy = Buffer.from(tar);
    copy.write(size.toString(8).padStart(11, '0') + '\0', offset + 124, 'latin1');
    copy.fill(0x20, offset + 148, offset + 156);
    let sum = 0;
    for (let i = 0; i < 512; i += 1)
        sum += copy[offset + i];
    copy.write(sum.toString(8).padStart(6, '0') + '\0 ', offset + 148, 'latin1');
    return copy;
}
//# sourceMappingURL=layer-tar.js.map