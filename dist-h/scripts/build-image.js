/**
 * Builds darner's own container image without a container engine, with darner's OCI writer:
 *
 *   npm run image:build -- --rootfs debian-minbase.tar --to oci:./darner-image:0.1.0
 *   npm run image:build -- --rootfs debian-minbase.tar --to registry.internal:5000/darner:0.1.0 [--plain-http]
 *
 * Two layers: the Debian root filesystem given (a tar of `debootstrap --variant=minbase bookworm
 * DIR`, which holds the glibc and libstdc++ Node needs and the coreutils the chart's probes run),
 * then Node (this process's own binary), libfuse.so.2 (this machine's) and the release package (scripts/pack-release.mjs, or
 * --package) installed at /usr/lib/node_modules/darner with /usr/bin/darner, plus the default
 * configurations in /etc/darner. `--to` takes anything `darner convert` writes to: an OCI layout
 * or a registry (which pushes it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import tarStream from 'tar-stream';
import { openImageTarget } from '../src/blob/image-store.js';
import { MediaType } from '../src/oci/image-spec.js';
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const MTIME = new Date(1_700_000_000_000);
/** package.json's bin, as installed: npm packs it 0644 and makes it executable at install. */
const BIN_TARGET = 'usr/lib/node_modules/darner/dist/src/cli/main.js';
/** Uploads a tar stream as a gzip layer; digests of the compressed and uncompressed bytes. */
async function putLayer(target, tar) {
    const hash = createHash('sha256');
    const tee = new PassThrough();
    tee.on('data', (chunk) => hash.update(chunk));
    const gzip = createGzip({ level: 3 });
    const [stored] = await Promise.all([target.putBlobStream(gzip), pipeline(tar, tee, gzip)]);
    return { ...stored, diffId: `sha256:${hash.digest('hex')}` };
}
/** The base root filesystem tar (optionally gzip-compressed), as a stream of tar bytes. */
function rootfsTar(path) {
    const head = readFileSync(path).subarray(0, 2);
    const file = createReadStream(path);
    return head[0] === 0x1f && head[1] === 0x8b ? file.pipe(createGunzip()) : file;
}
/**
 * Shared libraries copied from this machine (a Debian 12 like the base): fuse-native's prebuilt
 * addon links libfuse.so.2, which the minbase root filesystem lacks (Debian's libfuse2).
 */
const HOST_LIBRARIES = ['libfuse.so.2'];
const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu'];
function hostLibrary(name) {
    for (const dir of LIBRARY_DIRS) {
        if (existsSync(join(dir, name)))
            return realpathSync(join(dir, name));
    }
    throw new Error(`${name} is not installed on this machine (Debian: apt-get install libfuse2)`);
}
/** Node, the release package under usr/lib/node_modules/darner, usr/bin/darner and /etc/darner. */
function darnerLayer(packageTgz, nodeBinary) {
    const pack = tarStream.pack();
    const entry = (header, body) => new Promise((resolvePromise, reject) => {
        const cb = (err) => (err ? reject(err) : resolvePromise());
        if (body === undefined)
            pack.entry(header, cb);
        else if (Buffer.isBuffer(body))
            pack.entry(header, body, cb);
        else
            body.pipe(pack.entry(header, cb));
    });
    void (async () => {
        for (const dir of ['usr/', 'usr/bin/', 'usr/lib/', 'usr/lib/node_modules/', 'etc/', 'etc/darner/', 'run/', 'run/darner/', 'var/', 'var/lib/', 'var/lib/darner/']) {
            await entry({ name: dir, type: 'directory', mode: 0o755, mtime: MTIME });
        }
        await entry({ name: 'usr/lib/x86_64-linux-gnu/', type: 'directory', mode: 0o755, mtime: MTIME });
        for (const lib of HOST_LIBRARIES) {
            const file = hostLibrary(lib);
            await entry({ name: `usr/lib/x86_64-linux-gnu/${lib}`, type: 'file', mode: 0o644, size: statSync(file).size, mtime: MTIME }, createReadStream(file));
        }
        await entry({ name: 'usr/bin/node', type: 'file', mode: 0o755, size: statSync(nodeBinary).size, mtime: MTIME }, createReadStream(nodeBinary));
        // npm's package tarball, its `package/` prefix renamed.
        const extract = tarStream.extract();
        const done = pipeline(createReadStream(packageTgz), createGunzip(), extract);
        for await (const item of extract) {
            const name = item.header.name.replace(/^package(\/|$)/, 'usr/lib/node_modules/darner$1');
            const mode = name === BIN_TARGET ? 0o755 : item.header.mode;
            await entry({ ...item.header, name, mode, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' }, item);
        }
        await done;
        await entry({ name: 'usr/bin/darner', type: 'symlink', linkname: `../${BIN_TARGET.slice('usr/'.length)}`, mode: 0o777, mtime: MTIME });
        const configs = join(ROOT, 'deploy', 'config');
        for (const file of readdirSync(configs).sort()) {
            const data = readFileSync(join(configs, file));
            await entry({ name: `etc/darner/${file}`, type: 'file', mode: 0o644, size: data.length, mtime: MTIME }, data);
        }
        pack.finalize();
    })().catch((err) => pack.destroy(err));
    return pack;
}
async function main() {
    const { values } = parseArgs({
        options: {
            rootfs: { type: 'string' },
            package: { type: 'string' },
            node: { type: 'string' },
            to: { type: 'string' },
            'plain-http': { type: 'boolean' },
        },
    });
    if (values.rootfs === undefined || values.to === undefined)
        throw new Error('usage: build-image --rootfs TAR --to oci:DIR:TAG|HOST/REPO:TAG [--package TGZ] [--node BIN] [--plain-http]');
    const work = mkdtempSync(join(tmpdir(), 'darner-image-'));
    try {
        const packageTgz = values.package ?? execFileSync(process.execPath, [join(ROOT, 'scripts', 'pack-release.mjs'), '--out', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
        const target = await openImageTarget(values.to, values['plain-http'] ? { plainHttp: true } : {});
        try {
            const base = await putLayer(target, rootfsTar(values.rootfs));
            const app = await putLayer(target, darnerLayer(packageTgz, values.node ?? process.execPath));
            const config = Buffer.from(JSON.stringify({
                architecture: 'amd64',
                os: 'linux',
                created: MTIME.toISOString(),
                config: {
                    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_ENV=production'],
                    Cmd: ['darner', '--help'],
                    Labels: { 'org.opencontainers.image.title': 'darner', 'org.opencontainers.image.version': pkg.version },
                },
                rootfs: { type: 'layers', diff_ids: [base.diffId, app.diffId] },
                history: [{ created: MTIME.toISOString(), created_by: 'debootstrap --variant=minbase bookworm' }, { created: MTIME.toISOString(), created_by: 'node and the darner release package' }],
            }));
            const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
            await target.putBlob({ digest: configDigest, size: config.length }, config);
            const manifest = Buffer.from(JSON.stringify({
                schemaVersion: 2,
                mediaType: MediaType.OCI_MANIFEST,
                config: { mediaType: MediaType.OCI_CONFIG, digest: configDigest, size: config.length },
                layers: [base, app].map((l) => ({ mediaType: MediaType.OCI_LAYER_TAR_GZIP, digest: l.digest, size: l.size })),
                annotations: { 'org.opencontainers.image.version': pkg.version },
            }));
            const digest = await target.putManifest(manifest, MediaType.OCI_MANIFEST);
            process.stdout.write(`${values.to}@${digest}\n`);
        }
        finally {
            await target.close();
        }
    }
    finally {
        rmSync(work, { recursive: true, force: true });
    }
}
main().catch((err) => {
    process.stderr.write(`build-image: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
//# sourceMappingURL=build-image.js.map