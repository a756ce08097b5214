import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
/**
 * A large seeded layer written as a tar stream straight to an OCI layout (uncompressed layer),
 * never held in memory: files of mostly random bytes (AES-CTR keystream of the seed), with some
 * MiB repeated (deduplicable), some text (compressible) and some zeros (holes).
 */
const MiB = 1 << 20;
function ustarHeader(name, size) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    h.write(`${(1_700_000_000).toString(8).padStart(11, '0')}\0`, 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h)
        sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return h;
}
/** What each MiB of the layer is, by its index: the mix the layer is made of. */
export function mibKind(index) {
    if (index % 16 === 5)
        return 'repeat';
    if (index % 16 === 9)
        return 'text';
    if (index % 64 === 13)
        return 'zero';
    return 'random';
}
/** Writes the layout at `dir` (tag `src`); returns the layer's size. */
export async function writeStreamedLayerImage(dir, spec) {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const partial = join(dir, 'layer.partial');
    const out = createWriteStream(partial);
    const hash = createHash('sha256');
    let size = 0;
    const write = async (data) => {
        hash.update(data);
        size += data.length;
        if (!out.write(data))
            await once(out, 'drain');
    };
    const key = createHash('sha256').update(`seed ${spec.seed}`).digest().subarray(0, 16);
    const keystream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    const zeros = Buffer.alloc(MiB);
    const repeated = createCipheriv('aes-128-ctr', key, Buffer.alloc(16, 1)).update(zeros);
    const text = Buffer.alloc(MiB, 'chunked, deduplicated, lazily loaded container image layers\n');
    let mib = 0;
    for (let file = 0; file * spec.fileBytes < spec.totalBytes; file += 1) {
        await write(ustarHeader(`data/file-${String(file).padStart(5, '0')}`, spec.fileBytes));
        for (let at = 0; at < spec.fileBytes; at += MiB, mib += 1) {
            const kind = mibKind(mib);
            await write(kind === 'repeat' ? repeated : kind === 'text' ? text : kind === 'zero' ? zeros : keystream.update(zeros));
        }
    }
    await write(Buffer.alloc(1024));
    out.end();
    await once(out, 'close');
    const layerDigest = `sha256:${hash.digest('hex')}`;
    await rename(partial, join(dir, 'blobs', 'sha256', layerDigest.slice(7)));
    const put = async (data) => {
        const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
        await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
        return { digest, size: Buffer.byteLength(data) };
    };
    const config = await put(JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        rootfs: { type: 'layers', diff_ids: [layerDigest] },
        history: [{ created: '2024-01-01T00:00:00Z', created_by: 'streamed layer' }],
    }));
    const manifest = await put(JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size }],
    }));
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(join(dir, 'index.json'), JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'src' } }],
    }));
    return size;
}
//# sourceMappingURL=streamed-layer.js.map