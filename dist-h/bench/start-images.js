/**
 * The images of bench:start, built, pushed (through the registry's unshaped seed address) and
 * converted before anything is timed:
 *   - python: Debian bookworm minbase + a layer with python3 (bench/debian-python.ts), gzip
 *     layers; command `python3 -c 'print(1)'`;
 *   - big: busybox + 1 GiB of incompressible files (102 × 10 MiB + 4 MiB), uncompressed tar
 *     layers; command `cat /data/f000 /data/f001 | wc -c` (reads 20 MiB).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertImage } from '../converter/convert.js';
import { isDataBlobLayer } from '../src/oci/layer-kind.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { buildLayerTar, busyboxEntries } from '../test/harness/oci-image.js';
import { fileLayer, pushFileImage } from '../test/harness/file-image.js';
import { debianPythonLayers } from './debian-python.js';
import { MiB, runCommand } from './lib.js';
async function bigImageLayers(dir) {
    const busybox = join(dir, 'busybox.tar');
    writeFileSync(busybox, await buildLayerTar(busyboxEntries(['sh', 'cat', 'wc', 'head', 'ls', 'echo'])));
    const data = join(dir, 'data');
    mkdirSync(data);
    const sizes = [...Array.from({ length: 102 }, () => 10 * MiB), 4 * MiB];
    sizes.forEach((size, i) => writeFileSync(join(data, `f${String(i).padStart(3, '0')}`), pseudoRandomBytes(size, 1000 + i)));
    const tar = join(dir, 'data.tar');
    await runCommand('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@1700000000', '--sort=name', '--format=posix', '-C', dir, '-cf', tar, 'data']);
    rmSync(data, { recursive: true, force: true });
    return [await fileLayer(busybox), await fileLayer(tar)];
}
/** Converts `seedOci` into `<seed>/bench/<name>:<tag>` (optionally with an access trace). */
export async function convertBenchImage(image, reg, seed, tag, workDir, prefetchTrace) {
    const dir = join(workDir, `${image.name}-${tag}`);
    mkdirSync(dir);
    try {
        const summary = await convertImage(image.seedOci, `${seed}/bench/${image.name}:${tag}`, { workDir: dir, ...(prefetchTrace ? { prefetchTrace } : {}) });
        const blobs = summary.manifest.layers.filter(isDataBlobLayer);
        return {
            ref: `${reg.host}/bench/${image.name}:${tag}`,
            dataBlobs: blobs.map((l) => l.digest),
            blobBytes: blobs.reduce((n, l) => n + l.size, 0),
            bootstrapBytes: summary.bootstrapBytes,
        };
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
export async function prepareImage(name, reg, seed, work) {
    const dir = join(work, name);
    mkdirSync(dir);
    let layers;
    let config;
    let command;
    let expect;
    if (name === 'python') {
        layers = await Promise.all((await debianPythonLayers()).layers.map((l) => fileLayer(l)));
        config = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/bash'] };
        command = ['python3', '-c', 'print(1)'];
        expect = '1\n';
    }
    else if (name === 'big') {
        layers = await bigImageLayers(dir);
        config = { Env: ['PATH=/bin'], Cmd: ['sh'] };
        command = ['sh', '-c', 'cat /data/f000 /data/f001 | wc -c'];
        expect = `${20 * MiB}\n`;
    }
    else
        throw new Error(`unknown image ${name} (START_IMAGES: python, big)`);
    const seedOci = `${seed}/bench/${name}:oci`;
    await pushFileImage(seedOci, layers, config);
    const darner = await convertBenchImage({ name, seedOci }, reg, seed, 'darner', dir);
    rmSync(dir, { recursive: true, force: true });
    return {
        name,
        oci: `${reg.host}/bench/${name}:oci`,
        seedOci,
        ociLayers: layers.map((l) => l.digest),
        darner,
        command,
        expect,
        ociBytes: layers.reduce((n, l) => n + l.size, 0),
    };
}
//# sourceMappingURL=start-images.js.map