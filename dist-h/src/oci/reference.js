/**
 * Image references in skopeo's transport syntax, which every darner command takes:
 *
 *   oci:DIR[:TAG]                        an OCI image layout directory (TAG = ref.name in index.json)
 *   docker-archive:PATH[:NAME:TAG|:@N]   a `docker save` tar (optionally one of its images)
 *   docker://[HOST[:PORT]/]REPO[:TAG][@DIGEST]
 *   [HOST[:PORT]/]REPO[:TAG][@DIGEST]    the same without the prefix
 *
 * Registry names follow docker's rules: a first path component is a registry host only if it
 * has a `.` or a `:` or is `localhost`; otherwise the image is on docker.io, where one-component
 * names live under `library/`. Without tag or digest the tag is `latest`. As with skopeo, DIR and
 * PATH end at their first `:`.
 *
 * Pure: no I/O.
 */
import { InvalidReferenceError } from '../errors.js';
import { isDigest } from './digest.js';
export const DOCKER_HUB = 'docker.io';
/** The host that actually serves Docker Hub's registry API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
export const DEFAULT_TAG = 'latest';
// docker/distribution's reference grammar.
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_RE = new RegExp(`^(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::([0-9]+))?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const OCI_TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/;
const MAX_NAME_LENGTH = 255;
/** Transports skopeo knows that darner does not read or write. */
const UNSUPPORTED_TRANSPORTS = ['dir', 'containers-storage', 'docker-daemon', 'oci-archive', 'ostree', 'sif', 'tarball'];
function bad(input, why) {
    throw new InvalidReferenceError(`invalid image reference ${JSON.stringify(input)}: ${why}`);
}
/** Parses any reference darner accepts. Throws InvalidReferenceError naming what is wrong. */
export function parseReference(input) {
    if (input.length === 0)
        bad(input, 'empty');
    if (input.startsWith('oci:'))
        return parseOci(input, input.slice(4));
    if (input.startsWith('docker-archive:'))
        return parseDockerArchive(input, input.slice(15));
    if (input.startsWith('docker://'))
        return parseRegistryName(input.slice(9), input);
    const transport = /^([a-z][a-z0-9-]*):/.exec(input)?.[1];
    if (transport !== undefined && (UNSUPPORTED_TRANSPORTS.includes(transport) || input[transport.length + 1] === '/')) {
        bad(input, `unsupported transport "${transport}:" (use oci:, docker-archive: or docker://)`);
    }
    return parseRegistryName(input, input);
}
function parseOci(input, rest) {
    const colon = rest.indexOf(':');
    const dir = colon === -1 ? rest : rest.slice(0, colon);
    if (dir.length === 0)
        bad(input, 'oci: needs a directory');
    if (colon === -1)
        return { transport: 'oci', dir };
    const tag = rest.slice(colon + 1);
    if (!OCI_TAG_RE.test(tag))
        bad(input, `bad tag ${JSON.stringify(tag)}`);
    return { transport: 'oci', dir, tag };
}
function parseDockerArchive(input, rest) {
    const colon = rest.indexOf(':');
    const path = colon === -1 ? rest : rest.slice(0, colon);
    if (path.length === 0)
        bad(input, 'docker-archive: needs a file path');
    if (colon === -1)
        return { transport: 'docker-archive', path };
    const which = rest.slice(colon + 1);
    if (which.startsWith('@')) {
        if (!/^@(0|[1-9][0-9]{0,8})$/.test(which))
            bad(input, `bad image index ${JSON.stringify(which)}`);
        return { transport: 'docker-archive', path, image: { index: Number(which.slice(1)) } };
    }
    const named = parseRegistryName(which, input);
    if (named.digest !== undefined)
        bad(input, 'an image inside a docker-archive is named by NAME:TAG, not by digest');
    return { transport: 'docker-archive', path, image: { name: formatRegistryName(named) } };
}
/**
 * Parses a registry image name (`[HOST[:PORT]/]REPO[:TAG][@DIGEST]`) the way docker normalizes
 * it. `input` is the whole reference, for error messages.
 */
export function parseRegistryName(name, input = name) {
    if (name.length === 0)
        bad(input, 'empty image name');
    let rest = name;
    let digest;
    const at = rest.indexOf('@');
    if (at !== -1) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!isDigest(digest)) {
            const alg = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):/.exec(digest)?.[1];
            if (alg !== undefined && alg !== 'sha256')
                bad(input, `unsupported digest algorithm "${alg}" (only sha256)`);
            bad(input, `bad digest ${JSON.stringify(digest)} (want sha256:<64 lowercase hex>)`);
        }
    }
    let tag;
    const lastColon = rest.lastIndexOf(':');
    if (lastColon > rest.lastIndexOf('/')) {
        tag = rest.slice(lastColon + 1);
        rest = rest.slice(0, lastColon);
        if (!TAG_RE.test(tag))
            bad(input, `bad tag ${JSON.stringify(tag)}`);
    }
    let registry = DOCKER_HUB;
    let repository = rest;
    const slash = rest.indexOf('/');
    if (slash !== -1) {
        const first = rest.slice(0, slash);
        if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
            registry = checkHost(first, input);
            repository = rest.slice(slash + 1);
        }
    }
    if (registry === 'index.docker.io')
        registry = DOCKER_HUB;
    if (repository.length === 0)
        bad(input, 'empty repository');
    if (repository !== repository.toLowerCase())
        bad(input, `repository "${repository}" must be lowercase`);
    for (const component of repository.split('/')) {
        if (!PATH_COMPONENT_RE.test(component)) {
            bad(input, `bad repository path component ${JSON.stringify(component)}`);
        }
    }
    if (registry === DOCKER_HUB && !repository.includes('/'))
        repository = `library/${repository}`;
    if (registry.length + 1 + repository.length > MAX_NAME_LENGTH)
        bad(input, `name longer than ${MAX_NAME_LENGTH} characters`);
    if (tag === undefined && digest === undefined)
        tag = DEFAULT_TAG;
    const ref = { transport: 'docker', registry, repository };
    if (tag !== undefined)
        ref.tag = tag;
    if (digest !== undefined)
        ref.digest = digest;
    return ref;
}
function checkHost(host, input) {
    const m = HOST_RE.exec(host);
    if (!m)
        bad(input, `bad registry host ${JSON.stringify(host)}`);
    const port = m[1];
    if (port !== undefined) {
        const n = Number(port);
        if (port.length > 5 || !Number.isInteger(n) || n < 1 || n > 65535 || port !== String(n)) {
            bad(input, `bad registry port ${JSON.stringify(port)}`);
        }
    }
    return host.toLowerCase();
}
/** `host/repo[:tag][@digest]` without the transport prefix. */
export function formatRegistryName(ref) {
    return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
/** The reference back in transport syntax; parseReference(formatReference(r)) deep-equals r. */
export function formatReference(ref) {
    switch (ref.transport) {
        case 'oci':
            return `oci:${ref.dir}${ref.tag !== undefined ? `:${ref.tag}` : ''}`;
        case 'docker-archive': {
            const image = ref.image === undefined ? '' : 'index' in ref.image ? `:@${ref.image.index}` : `:${ref.image.name}`;
            return `docker-archive:${ref.path}${image}`;
        }
        case 'docker':
            return `docker://${formatRegistryName(ref)}`;
    }
}
/** The host part of `host[:port]` (IPv6 brackets removed). */
export function registryHostname(registry) {
    if (registry.startsWith('['))
        return registry.slice(1, registry.indexOf(']'));
    const colon = registry.lastIndexOf(':');
    return colon === -1 ? registry : registry.slice(0, colon);
}
/** True for registries on this machine: localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackRegistry(registry) {
    const host = registryHostname(registry).toLowerCase();
    if (host === 'localhost' || host === '::1')
        return true;
    const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
    return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}
/**
 * The base URL of a registry's API (`http://127.0.0.1:5000`, `https://registry-1.docker.io`).
 * Loopback registries are spoken to over plain http, as docker does; others over https unless
 * `plainHttp` is set.
 */
export function registryBaseUrl(registry, options = {}) {
    const host = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
    const scheme = options.plainHttp === true || isLoopbackRegistry(registry) ? 'http' : 'https';
    return `${scheme}://${host}`;
}
//# sourceMappingURL=reference.js.map