/**
 * The Nydus RAFS v6 fixture (test/fixtures/nydus-v6, made by nydusify and nydus-image v2.4): its
 * OCI layout pushed to a registry as nydusify published it, its merged bootstrap, and the tree
 * the kernel mounts from it (expected.json), compared field by field against a mounted tree.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openImageTarget } from '../../src/blob/image-store.js';
import { readAllXattrs } from '../format/helpers/tree-compare.js';
// Tests run from dist/test/harness; the fixture is committed under test/fixtures.
export const NYDUS_FIXTURE_DIR = fileURLToPath(new URL('../../../test/fixtures/nydus-v6/', import.meta.url));
const LAYOUT = join(NYDUS_FIXTURE_DIR, 'oci');
/** The two data blobs in device order (layer 1, layer 2) and the bootstrap layer. */
export const NYDUS_BLOB_IDS = [
    'd5cf12e30786aae99eff6230b0ecabf0a5d4a9f65260c7ba495e221f826d338e',
    '779a250bd029ba7e2a569fbfe24a718555d054a8a365246092a7496bc75881b9',
];
export function nydusMergedBootstrap() {
    return readFileSync(join(NYDUS_FIXTURE_DIR, 'merged.boot'));
}
export function nydusLayoutBlob(digestHex) {
    return readFileSync(join(LAYOUT, 'blobs', 'sha256', digestHex));
}
/** Pushes the fixture's image (every blob, then the manifest) to `host/repo:nydus`; returns the reference. */
export async function pushNydusFixture(host, repo) {
    const index = JSON.parse(readFileSync(join(LAYOUT, 'index.json'), 'utf8'));
    const manifestDesc = index.manifests[0];
    const manifestBytes = nydusLayoutBlob(manifestDesc.digest.slice('sha256:'.length));
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    const reference = `${host}/${repo}:nydus`;
    const target = await openImageTarget(reference, {});
    try {
        for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
            const hex = d.slice('sha256:'.length);
            const data = nydusLayoutBlob(hex);
            await target.putBlob({ digest: d, size: data.length }, data);
        }
        await target.putManifest(manifestBytes, manifestDesc.mediaType, 'nydus');
    }
    finally {
        await target.close();
    }
    return reference;
}
export function nydusExpected() {
    return JSON.parse(readFileSync(join(NYDUS_FIXTURE_DIR, 'expected.json'), 'utf8')).entries;
}
const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000, fifo: 0o010000, char: 0o020000, block: 0o060000 };
/**
 * Every difference between the tree mounted at `root` and expected.json: the set of paths, and
 * per path type and mode, owner, size, content sha256, symlink target, xattrs, device numbers,
 * link count, hard links (one st_ino per group) and mtime.
 */
export function compareWithNydusExpected(root) {
    const problems = [];
    const expected = nydusExpected();
    const actualPaths = new Set();
    const walk = (rel) => {
        actualPaths.add(rel);
        if (lstatSync(join(root, rel)).isDirectory())
            for (const name of readdirSync(join(root, rel)))
                walk(rel === '/' ? `/${name}` : `${rel}/${name}`);
    };
    walk('/');
    const xattrs = readAllXattrs(root);
    const groups = new Map();
    for (const e of expected) {
        if (!actualPaths.delete(e.path)) {
            problems.push(`${e.path}: missing`);
            continue;
        }
        const full = join(root, e.path);
        const st = lstatSync(full, { bigint: true });
        const say = (what, want, got) => {
            if (want !== got)
                problems.push(`${e.path}: ${what} ${String(got)}, expected ${String(want)}`);
        };
        say('mode', (TYPE_BITS[e.type] | parseInt(e.mode, 8) % 0o10000).toString(8), Number(st.mode).toString(8));
        say('uid', e.uid, Number(st.uid));
        say('gid', e.gid, Number(st.gid));
        say('nlink', e.nlink, Number(st.nlink));
        say('mtime', e.tar_mtime ?? 0, Number(st.mtimeMs / 1000n));
        if (e.size !== null)
            say('size', e.size, Number(st.size));
        if (e.type === 'file')
            say('sha256', e.sha256, createHash('sha256').update(readFileSync(full)).digest('hex'));
        if (e.type === 'symlink')
            say('target', e.target, readlinkSync(full));
        if (e.rdev !== undefined) {
            say('major', e.rdev.major, Number(((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & ~0xfffn)));
            say('minor', e.rdev.minor, Number((st.rdev & 0xffn) | ((st.rdev >> 12n) & ~0xffn)));
        }
        const got = xattrs.get(e.path) ?? new Map();
        const want = new Map(Object.entries(e.xattrs).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('hex')]));
        say('xattrs', JSON.stringify([...want].sort()), JSON.stringify([...got].sort()));
        if (e.hardlink_group !== undefined) {
            const ino = groups.get(e.hardlink_group);
            if (ino === undefined)
                groups.set(e.hardlink_group, st.ino);
            else
                say(`st_ino (hard link of ${e.hardlink_group})`, ino, st.ino);
        }
    }
    for (const extra of actualPaths)
        problems.push(`${extra}: not expected`);
    return problems;
}
//# sourceMappingURL=nydus-fixture.js.map