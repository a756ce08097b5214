import { openImageSource, openImageTarget } from '../src/blob/image-store.js';
import { NoMatchingPlatformError, UsageError } from '../src/errors.js';
import { MediaType } from '../src/oci/image-spec.js';
import { formatPlatform, platformMatches } from '../src/oci/platform.js';
import { formatReference, parseReference } from '../src/oci/reference.js';
import { convertImage, targetTag } from './convert.js';
import { jsonBytes } from './image-output.js';
import { refuseSourceAsTarget } from './source-target.js';
/**
 * The platforms to convert: `wanted` (each must match one the source has) or all `available`.
 * Pure. A wanted platform the source lacks is a NoMatchingPlatformError naming what it has.
 */
export function choosePlatforms(available, wanted) {
    if (wanted === undefined || wanted.length === 0)
        return [...available];
    const chosen = [];
    for (const want of wanted) {
        const exact = available.find((have) => platformMatches(want, have) && have.variant === want.variant);
        const found = exact ?? available.find((have) => platformMatches(want, have));
        if (found === undefined)
            throw new NoMatchingPlatformError(formatPlatform(want), available.map(formatPlatform));
        if (!chosen.includes(found))
            chosen.push(found);
    }
    return chosen;
}
/** The OCI index of converted platform manifests (pure). */
export function platformIndex(entries) {
    return {
        schemaVersion: 2,
        mediaType: MediaType.OCI_INDEX,
        manifests: entries.map(({ platform, summary }) => ({
            mediaType: MediaType.OCI_MANIFEST,
            digest: summary.manifestDigest,
            size: summary.manifestSize,
            platform,
        })),
    };
}
async function sourcePlatforms(sourceRef, options) {
    const source = await openImageSource(sourceRef, options);
    try {
        return await source.platforms();
    }
    finally {
        await source.close();
    }
}
export async function convertPlatforms(sourceRef, targetRef, options = {}) {
    const started = Date.now();
    sourceRef = typeof sourceRef === 'string' ? parseReference(sourceRef) : sourceRef;
    targetRef = typeof targetRef === 'string' ? parseReference(targetRef) : targetRef;
    const { platforms: wanted, ...convertOptions } = options;
    await refuseSourceAsTarget(sourceRef, targetRef, options.overwrite === true);
    // No progress line before the platforms are settled: a platform the source lacks is one line.
    const available = await sourcePlatforms(sourceRef, options.source ?? {});
    if (available.length === 0) {
        if (wanted !== undefined && wanted.length > 1) {
            throw new UsageError(`${formatReference(sourceRef)} is a single-platform image: --platform takes one platform for it, not ${wanted.length}`);
        }
        const source = { ...options.source, ...(wanted?.[0] !== undefined ? { platform: wanted[0] } : {}) };
        return { kind: 'manifest', summary: await convertImage(sourceRef, targetRef, { ...convertOptions, source }) };
    }
    const chosen = choosePlatforms(available, wanted);
    const converted = [];
    for (const [index, platform] of chosen.entries()) {
        const name = formatPlatform(platform);
        options.progress?.platform?.(name, index, chosen.length);
        const summary = await convertImage(sourceRef, targetRef, {
            ...convertOptions,
            source: { ...options.source, platform },
            untagged: chosen.length > 1,
        });
        converted.push({ platform, summary: { ...summary, platform: name } });
    }
    if (converted.length === 1)
        return { kind: 'manifest', summary: converted[0].summary };
    options.progress?.phase?.('push', `${formatReference(targetRef)} (index of ${converted.length} platforms)`);
    const target = await openImageTarget(targetRef, options.target ?? {});
    let indexDigest;
    try {
        indexDigest = await target.putManifest(jsonBytes(platformIndex(converted)), MediaType.OCI_INDEX, targetTag(targetRef));
    }
    finally {
        await target.close();
    }
    return {
        kind: 'index',
        summary: {
            source: formatReference(sourceRef),
            target: formatReference(targetRef),
            indexDigest,
            platforms: converted.map((c) => c.summary),
            durationMs: Date.now() - started,
        },
    };
}
//# sourceMappingURL=convert-platforms.js.map