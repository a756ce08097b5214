/**
 * Platforms (os/architecture/variant): the host's, the `--platform` flag's, and choosing the
 * manifest for one out of an index. Names follow the OCI spec (GOOS/GOARCH) and are normalized
 * the way containerd does it (aarch64 → arm64, x86_64 → amd64, arm without variant → arm/v7,
 * arm64/v8 → arm64).
 *
 * Pure apart from hostPlatform(), which reads `process`.
 */
import { InvalidManifestError, NoMatchingPlatformError, UsageError } from '../errors.js';
import { isIndexMediaType, isManifestMediaType } from './image-spec.js';
const NODE_ARCH = {
    x64: { architecture: 'amd64' },
    arm64: { architecture: 'arm64' },
    arm: { architecture: 'arm' },
    ia32: { architecture: '386' },
    ppc64: { architecture: 'ppc64le' }, // Node reports ppc64 for the little-endian Linux port too
    s390x: { architecture: 's390x' },
    riscv64: { architecture: 'riscv64' },
    loong64: { architecture: 'loong64' },
    mips: { architecture: 'mips' },
    mipsel: { architecture: 'mipsle' },
};
/** The OCI platform of a Node `process.platform`/`process.arch` pair (armVersion: "6", "7"). */
export function platformFromNode(nodePlatform, nodeArch, armVersion) {
    const os = nodePlatform === 'win32' ? 'windows' : nodePlatform;
    const arch = NODE_ARCH[nodeArch] ?? { architecture: nodeArch };
    const platform = { os, architecture: arch.architecture };
    if (arch.architecture === 'arm' && armVersion !== undefined)
        platform.variant = `v${armVersion}`;
    return normalizePlatform(platform);
}
/** The platform of the machine darner runs on. */
export function hostPlatform() {
    const armVersion = process.config.variables.arm_version;
    return platformFromNode(process.platform, process.arch, armVersion === undefined ? undefined : String(armVersion));
}
/** containerd's normalization of os/architecture/variant names. */
export function normalizePlatform(platform) {
    let os = platform.os.toLowerCase();
    if (os === 'macos')
        os = 'darwin';
    let architecture = platform.architecture.toLowerCase();
    let variant = platform.variant?.toLowerCase();
    switch (architecture) {
        case 'i386':
            architecture = '386';
            variant = undefined;
            break;
        case 'x86_64':
        case 'x86-64':
        case 'amd64':
            architecture = 'amd64';
            if (variant === 'v1')
                variant = undefined;
            break;
        case 'aarch64':
        case 'arm64':
            architecture = 'arm64';
            if (variant === '8' || variant === 'v8')
                variant = undefined;
            break;
        case 'armhf':
            architecture = 'arm';
            variant = 'v7';
            break;
        case 'armel':
            architecture = 'arm';
            variant = 'v6';
            break;
        case 'arm':
            if (variant === undefined || variant === '7')
                variant = 'v7';
            else if (/^[5-8]$/.test(variant))
                variant = `v${variant}`;
            break;
    }
    const out = { os, architecture };
    if (variant !== undefined && variant !== '')
        out.variant = variant;
    return out;
}
/** Parses `os/arch[/variant]` (the `--platform` flag). */
export function parsePlatformFlag(value) {
    const parts = value.split('/');
    const ok = parts.length >= 2 && parts.length <= 3 && parts.every((p) => /^[A-Za-z0-9_.-]+$/.test(p));
    if (!ok)
        throw new UsageError(`--platform ${JSON.stringify(value)}: want os/arch[/variant], e.g. linux/amd64 or linux/arm/v7`);
    const platform = { os: parts[0], architecture: parts[1] };
    if (parts[2] !== undefined)
        platform.variant = parts[2];
    return normalizePlatform(platform);
}
/** `os/arch[/variant]`. */
export function formatPlatform(platform) {
    return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined && p !== '').join('/');
}
/**
 * True when an image for `have` runs where `want` is asked for: same os and architecture, and the
 * same variant when `want` names one.
 */
export function platformMatches(want, have) {
    const w = normalizePlatform(want);
    const h = normalizePlatform(have);
    if (w.os !== h.os || w.architecture !== h.architecture)
        return false;
    return w.variant === undefined || w.variant === h.variant;
}
/** Entries that are not images: buildkit's attestations carry platform unknown/unknown. */
function isAttestation(d) {
    if (d.platform?.os === 'unknown' || d.platform?.architecture === 'unknown')
        return true;
    return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
}
/** Index entries that can lead to an image: image manifests, and nested indexes. */
function isCandidate(d) {
    return (isManifestMediaType(d.mediaType) || isIndexMediaType(d.mediaType)) && !isAttestation(d);
}
/**
 * Picks the entry for `want` (default: the host's platform) from an index: the first entry whose
 * platform matches, preferring one whose variant matches exactly. An index whose only candidate
 * has no platform gives that entry, and so does an index with exactly one nested index without a
 * platform (its own entries name the platforms, as containerd reads it). The entry may be a nested
 * index: the caller follows it. An index with no image entries at all is an InvalidManifestError;
 * otherwise NoMatchingPlatformError lists the platforms the index has.
 */
export function selectManifest(index, want = hostPlatform()) {
    if (index.manifests.length === 0)
        throw new InvalidManifestError('the index lists no manifests');
    const candidates = index.manifests.filter(isCandidate);
    if (candidates.length === 0) {
        const kinds = [...new Set(index.manifests.map((d) => (isAttestation(d) ? 'attestations' : d.mediaType)))];
        throw new InvalidManifestError(`the index lists no image manifests (only ${kinds.join(', ')})`);
    }
    const w = normalizePlatform(want);
    const matching = candidates.filter((d) => d.platform !== undefined && platformMatches(w, d.platform));
    const exact = matching.find((d) => normalizePlatform(d.platform).variant === w.variant);
    const chosen = exact ?? matching[0];
    if (chosen !== undefined)
        return chosen;
    const withoutPlatform = candidates.filter((d) => d.platform === undefined);
    if (withoutPlatform.length === 1 && candidates.length === 1)
        return withoutPlatform[0];
    const nested = withoutPlatform.filter((d) => isIndexMediaType(d.mediaType));
    if (nested.length === 1)
        return nested[0];
    const available = candidates.map((d) => {
        if (d.platform)
            return formatPlatform(normalizePlatform(d.platform));
        return isIndexMediaType(d.mediaType) ? 'nested index' : 'unspecified';
    });
    throw new NoMatchingPlatformError(formatPlatform(w), [...new Set(available)]);
}
/** Parses a comma list of `os/arch[/variant]` (the `--platform` flag), duplicates dropped. */
export function parsePlatformList(value) {
    const out = [];
    for (const part of value.split(',')) {
        const platform = parsePlatformFlag(part.trim());
        if (!out.some((p) => formatPlatform(p) === formatPlatform(platform)))
            out.push(platform);
    }
    return out;
}
/**
 * The platforms of the image manifests an index lists directly, normalized, in index order and
 * without duplicates; attestations and nested indexes are left out. Empty when no entry names a
 * platform (such an index is followed by selectManifest alone).
 */
export function indexPlatforms(index) {
    const out = [];
    for (const d of index.manifests) {
        if (!isCandidate(d) || !isManifestMediaType(d.mediaType) || d.platform === undefined)
            continue;
        const platform = normalizePlatform(d.platform);
        if (!out.some((p) => formatPlatform(p) === formatPlatform(platform)))
            out.push(platform);
    }
    return out;
}
//# sourceMappingURL=platform.js.map