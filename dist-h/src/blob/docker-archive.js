/**
 * Reading a `docker save` tar (the docker-archive: transport) without unpacking it.
 *
 * The archive holds `manifest.json` — `[{"Config": NAME, "RepoTags": [...], "Layers": [NAME...]}]` —
 * and the members it names: older docker writes `<id>/layer.tar` and `<hex>.json` (with
 * symlinks for repeated layers), docker 25+ writes `blobs/sha256/<hex>`. Layers may be plain tar
 * or compressed.
 *
 * Opening the archive indexes the tar headers once (tar-index.ts); afterwards every member is
 * served as a byte range of the archive file. Loading an image hashes each of its members once to
 * get the digests of an OCI manifest synthesized for it (layer media type by sniffing gzip/zstd
 * magic), and checks what can be checked: names that are digests, and diff_ids of uncompressed
 * layers.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { BadTarError, DigestMismatchError, InvalidManifestError, NotFoundError, SizeMismatchError, UnsupportedError } from '../errors.js';
import { sha256Digest, Sha256Hasher } from '../digest.js';
import { MAX_CONFIG_SIZE, MediaType, checkManifestMatchesConfig, parseImageConfig, } from '../oci/image-spec.js';
import { formatRegistryName, parseRegistryName } from '../oci/reference.js';
import { checkRange, readExactly } from './file-range.js';
import { indexTar } from './tar-index.js';
import { VerifyingStream } from './verify.js';
const MAX_MANIFEST_JSON = 16 * 1024 * 1024;
const MAX_LINK_HOPS = 8;
function normalizeName(name) {
    const n = posix.normalize(name.replace(/^(\.\/)+/, '')).replace(/^\/+/, '');
    return n === '.' ? '' : n;
}
function canonicalTag(tag) {
    try {
        return formatRegistryName(parseRegistryName(tag));
    }
    catch {
        return undefined;
    }
}
/** The layer media type its first bytes say: gzip, zstd or plain tar. */
export function sniffLayerMediaType(head) {
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)
        return MediaType.OCI_LAYER_TAR_GZIP;
    if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528)
        return MediaType.OCI_LAYER_TAR_ZSTD;
    return MediaType.OCI_LAYER_TAR;
}
function parseArchiveManifest(bytes, path) {
    const where = `docker-archive ${path}: manifest.json`;
    let doc;
    try {
        doc = JSON.parse(bytes.toString('utf8'));
    }
    catch (err) {
        throw new InvalidManifestError(`${where} is not valid JSON (${err.message})`);
    }
    if (!Array.isArray(doc))
        throw new InvalidManifestError(`${where} must be an array`);
    return doc.map((entry, i) => {
        const at = `${where}[${i}]`;
        if (typeof entry !== 'object' || entry === null)
            throw new InvalidManifestError(`${at} must be an object`);
        const e = entry;
        if (typeof e.Config !== 'string' || e.Config === '')
            throw new InvalidManifestError(`${at}.Config must be a non-empty string`);
        if (!Array.isArray(e.Layers) || !e.Layers.every((l) => typeof l === 'string' && l !== '')) {
            throw new InvalidManifestError(`${at}.Layers must be an array of member names`);
        }
        const tags = e.RepoTags ?? [];
        if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
            throw new InvalidManifestError(`${at}.RepoTags must be an array of strings`);
        return { config: e.Config, repoTags: tags, layers: e.Layers };
    });
}
export class DockerArchive {
    path;
    size;
    fh;
    members;
    images;
    /** Blobs of loaded images by digest. */
    blobs = new Map();
    /** Digest of each hashed member, by data offset (a member is hashed once). */
    digests = new Map();
    constructor(path, 
    /** Size of the archive file in bytes. */
    size, fh, members, 
    /** The images manifest.json lists, in order. */
    images) {
        this.path = path;
        this.size = size;
        this.fh = fh;
        this.members = members;
        this.images = images;
    }
    /** Opens and indexes an archive. Close it when done. */
    static async open(path) {
        const fh = await open(path, 'r').catch((err) => {
            if (err.code === 'ENOENT')
                throw new NotFoundError(`docker-archive ${path} does not exist`);
            throw err;
        });
        try {
            const { size } = await fh.stat();
            const head = size >= 4 ? await readExactly(fh, 0, 4, `docker-archive ${path}`) : Buffer.alloc(0);
            if (sniffLayerMediaType(head) !== MediaType.OCI_LAYER_TAR) {
                throw new UnsupportedError(`docker-archive ${path} is compressed; decompress it first (docker save writes a plain tar)`);
            }
            let list;
            try {
                list = await indexTar((position, length) => readExactly(fh, position, length, `docker-archive ${path}`), size);
            }
            catch (err) {
                if (err instanceof BadTarError)
                    throw new BadTarError(`docker-archive ${path}: ${err.message}`);
                throw err;
            }
            const members = new Map();
            for (const m of list)
                members.set(normalizeName(m.name), m);
            const archive = new DockerArchive(path, size, fh, members, []);
            const manifestMember = archive.member('manifest.json');
            if (manifestMember.size > MAX_MANIFEST_JSON)
                throw new InvalidManifestError(`docker-archive ${path}: manifest.json is larger than ${MAX_MANIFEST_JSON} bytes`);
            const images = parseArchiveManifest(await readExactly(fh, manifestMember.offset, manifestMember.size, 'manifest.json'), path);
            if (images.length === 0)
                throw new InvalidManifestError(`docker-archive ${path}: manifest.json lists no image`);
            return new DockerArchive(path, size, fh, members, images);
        }
        catch (err) {
            await fh.close();
            throw err;
        }
    }
    async close() {
        await this.fh.close();
    }
    /** A regular-file member by name, following symlinks and hard links (bounded). */
    member(name) {
        let current = normalizeName(name);
        for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
            const m = this.members.get(current);
            if (m === undefined)
                throw new NotFoundError(`docker-archive ${this.path}: no member ${JSON.stringify(name)}`);
            if (m.type === '0' || m.type === '7')
                return m;
            if (m.type === '2')
                current = normalizeName(posix.join(posix.dirname(current), m.linkname));
            else if (m.type === '1')
                current = normalizeName(m.linkname);
            else
                throw new BadTarError(`docker-archive ${this.path}: member ${JSON.stringify(name)} is not a regular file (type ${m.type})`);
        }
        throw new BadTarError(`docker-archive ${this.path}: member ${JSON.stringify(name)}: too many links`);
    }
    /** The manifest.json entry picked by `which`; without a selector the archive must hold one image. */
    selectImage(which) {
        const listing = () => this.images.map((img, i) => `@${i}${img.repoTags.length > 0 ? ` (${img.repoTags.join(', ')})` : ''}`).join(', ');
        if (which === undefined) {
            if (this.images.length === 1)
                return this.images[0];
            throw new NotFoundError(`docker-archive ${this.path} holds ${this.images.length} images; pick one with :NAME:TAG or :@N (${listing()})`);
        }
        if ('index' in which) {
            const img = this.images[which.index];
            if (img === undefined)
                throw new NotFoundError(`docker-archive ${this.path} has no image @${which.index} (${listing()})`);
            return img;
        }
        const want = canonicalTag(which.name) ?? which.name;
        const img = this.images.find((i) => i.repoTags.some((t) => (canonicalTag(t) ?? t) === want));
        if (img === undefined)
            throw new NotFoundError(`docker-archive ${this.path} has no image ${which.name} (${listing()})`);
        return img;
    }
    async hashMember(m) {
        const known = this.digests.get(m.offset);
        if (known !== undefined)
            return known;
        const hasher = new Sha256Hasher();
        if (m.size > 0) {
            const stream = createReadStream(this.path, { start: m.offset, end: m.offset + m.size - 1 });
            for await (const chunk of stream)
                hasher.update(chunk);
        }
        if (hasher.size !== m.size)
            throw new SizeMismatchError(`docker-archive ${this.path}: member at byte ${m.offset}`, m.size, hasher.size);
        const digest = hasher.digest();
        this.digests.set(m.offset, digest);
        return digest;
    }
    /** A digest a member's name promises (`blobs/sha256/<hex>`, `<hex>.json`), if any. */
    static digestFromName(name) {
        const n = normalizeName(name);
        const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(n) ?? /^([a-f0-9]{64})\.json$/.exec(n);
        return m ? `sha256:${m[1]}` : undefined;
    }
    async describeMember(name, what) {
        const member = this.member(name);
        const digest = await this.hashMember(member);
        const promised = DockerArchive.digestFromName(name);
        if (promised !== undefined && promised !== digest)
            throw new DigestMismatchError(`docker-archive ${this.path}: ${what} ${name}`, promised, digest);
        this.blobs.set(digest, member);
        return { member, digest };
    }
    /** Loads one image (hashing its members once) as an OCI manifest + config. */
    async loadImage(which) {
        const image = this.selectImage(which);
        const cfg = await this.describeMember(image.config, 'config');
        if (cfg.member.size > MAX_CONFIG_SIZE)
            throw new InvalidManifestError(`docker-archive ${this.path}: config ${image.config} is larger than ${MAX_CONFIG_SIZE} bytes`);
        const configBytes = await readExactly(this.fh, cfg.member.offset, cfg.member.size, `config ${image.config}`);
        if (sha256Digest(configBytes) !== cfg.digest)
            throw new DigestMismatchError(`docker-archive ${this.path}: config ${image.config} changed while reading`, cfg.digest, sha256Digest(configBytes));
        let config;
        try {
            config = parseImageConfig(configBytes);
        }
        catch (err) {
            throw new InvalidManifestError(`docker-archive ${this.path}: ${err.message}`);
        }
        const layers = [];
        for (const [i, name] of image.layers.entries()) {
            const { member, digest } = await this.describeMember(name, 'layer');
            const head = member.size > 0 ? await readExactly(this.fh, member.offset, Math.min(4, member.size), `layer ${name}`) : Buffer.alloc(0);
            const mediaType = sniffLayerMediaType(head);
            const diffId = config.rootfs.diff_ids[i];
            if (mediaType === MediaType.OCI_LAYER_TAR && diffId !== undefined && diffId !== digest) {
                throw new DigestMismatchError(`docker-archive ${this.path}: layer ${name} (diff_id ${i})`, diffId, digest);
            }
            layers.push({ mediaType, digest, size: member.size });
        }
        const configDescriptor = { mediaType: MediaType.OCI_CONFIG, digest: cfg.digest, size: cfg.member.size };
        const manifest = { schemaVersion: 2, mediaType: MediaType.OCI_MANIFEST, config: configDescriptor, layers };
        checkManifestMatchesConfig(manifest, config);
        const manifestBytes = Buffer.from(JSON.stringify(manifest));
        return {
            manifest,
            manifestBytes,
            manifestDigest: sha256Digest(manifestBytes),
            config,
            configBytes,
            configDescriptor,
            layers,
            repoTags: image.repoTags,
        };
    }
    blobMember(digest) {
        const m = this.blobs.get(digest);
        if (m === undefined)
            throw new NotFoundError(`docker-archive ${this.path}: no blob ${digest} in the loaded images`);
        return m;
    }
    /** A blob of a loaded image as a stream, verified against its digest at the end. */
    openBlob(digest) {
        const m = this.blobMember(digest);
        const verifier = new VerifyingStream(`blob ${digest}`, digest, m.size);
        if (m.size === 0) {
            verifier.end();
            return verifier;
        }
        const file = createReadStream(this.path, { start: m.offset, end: m.offset + m.size - 1 });
        file.on('error', (err) => verifier.destroy(err));
        verifier.on('close', () => file.destroy());
        return file.pipe(verifier);
    }
    /** A whole blob of a loaded image in memory, verified; at most `maxSize` bytes. */
    async readBlob(digest, maxSize = MAX_CONFIG_SIZE) {
        const m = this.blobMember(digest);
        if (m.size > maxSize)
            throw new SizeMismatchError(`docker-archive blob ${digest} (larger than the ${maxSize} bytes allowed)`, maxSize, m.size);
        const bytes = await readExactly(this.fh, m.offset, m.size, `blob ${digest}`);
        const actual = sha256Digest(bytes);
        if (actual !== digest)
            throw new DigestMismatchError(`docker-archive ${this.path}: blob`, digest, actual);
        return bytes;
    }
    /** `length` bytes of a blob of a loaded image from `offset`, bounds-checked (not verified). */
    async readRange(digest, offset, length, signal) {
        signal?.throwIfAborted();
        const m = this.blobMember(digest);
        checkRange(`docker-archive blob ${digest}`, offset, length, m.size);
        return readExactly(this.fh, m.offset + offset, length, `blob ${digest}`);
    }
}
//# sourceMappingURL=docker-archive.js.map