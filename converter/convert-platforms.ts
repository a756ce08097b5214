import { openImageSource, openImageTarget, type ImageStoreOptions } from '../src/blob/image-store.js';
import { NoMatchingPlatformError, UsageError } from '../src/errors.js';
import { MediaType, type Descriptor, type Index, type Platform } from '../src/oci/image-spec.js';
import { formatPlatform, platformMatches } from '../src/oci/platform.js';
import { formatReference, parseReference, type ImageReference } from '../src/oci/reference.js';
import { convertImage, targetTag, type ConvertOptions, type ConvertSummary } from './convert.js';
import { jsonBytes } from './image-output.js';
import { refuseSourceAsTarget } from './source-target.js';

/**
 * `darner convert` over platforms: a multi-platform index is converted platform by platform (all
 * of them unless some are asked for), each into a normal darner image, and the target gets an OCI
 * index of those manifests, pushed last so that the tag never names a partial index. A source that
 * is one manifest, or a single platform asked of an index, gives one manifest as before. Data
 * blobs that come out the same for two platforms are stored once (the push skips blobs present).
 */

export interface PlatformsConvertOptions extends ConvertOptions {
  /** Platforms to convert from a multi-platform source; default all it has. */
  platforms?: Platform[];
}

export interface IndexConvertSummary {
  source: string;
  target: string;
  indexDigest: string;
  /** One conversion per platform, in the index's order. */
  platforms: Array<ConvertSummary & { platform: string }>;
  durationMs: number;
}

export type ConvertResult = { kind: 'manifest'; summary: ConvertSummary } | { kind: 'index'; summary: IndexConvertSummary };

/**
 * The platforms to convert: `wanted` (each must match one the source has) or all `available`.
 * Pure. A wanted platform the source lacks is a NoMatchingPlatformError naming what it has.
 */
export function choosePlatforms(available: readonly Platform[], wanted: readonly Platform[] | undefined): Platform[] {
  if (wanted === undefined || wanted.length === 0) return [...available];
  const chosen: Platform[] = [];
  for (const want of wanted) {
    const exact = available.find((have) => platformMatches(want, have) && have.variant === want.variant);
    const found = exact ?? available.find((have) => platformMatches(want, have));
    if (found === undefined) throw new NoMatchingPlatformError(formatPlatform(want), available.map(formatPlatform));
    if (!chosen.includes(found)) chosen.push(found);
  }
  return chosen;
}

/** The OCI index of converted platform manifests (pure). */
export function platformIndex(entries: ReadonlyArray<{ platform: Platform; summary: ConvertSummary }>): Index {
  return {
    schemaVersion: 2,
    mediaType: MediaType.OCI_INDEX,
    manifests: entries.map(
      ({ platform, summary }): Descriptor => ({
        mediaType: MediaType.OCI_MANIFEST,
        digest: summary.manifestDigest,
        size: summary.manifestSize,
        platform,
      }),
    ),
  };
}

async function sourcePlatforms(sourceRef: ImageReference, options: ImageStoreOptions): Promise<Platform[]> {
  const source = await openImageSource(sourceRef, options);
  try {
    return await source.platforms();
  } finally {
    await source.close();
  }
}

export async function convertPlatforms(
  sourceRef: ImageReference | string,
  targetRef: ImageReference | string,
  options: PlatformsConvertOptions = {},
): Promise<ConvertResult> {
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
  const converted: Array<{ platform: Platform; summary: ConvertSummary & { platform: string } }> = [];
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
  if (converted.length === 1) return { kind: 'manifest', summary: converted[0]!.summary };

  options.progress?.phase?.('push', `${formatReference(targetRef)} (index of ${converted.length} platforms)`);
  const target = await openImageTarget(targetRef, options.target ?? {});
  let indexDigest: string;
  try {
    indexDigest = await target.putManifest(jsonBytes(platformIndex(converted)), MediaType.OCI_INDEX, targetTag(targetRef));
  } finally {
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
