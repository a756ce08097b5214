import { openImageSource, type ImageStoreOptions } from '../src/blob/image-store.js';
import { UsageError } from '../src/errors.js';
import { configPlatform, type Platform } from '../src/oci/image-spec.js';
import { formatPlatform } from '../src/oci/platform.js';
import { checkImage, type CheckOptions, type CheckReport } from './check.js';
import { choosePlatforms } from './convert-platforms.js';

/**
 * `darner check` over platforms: when the darner image is a multi-platform index, each of its
 * platforms (or those asked for) is checked against the same platform of the source.
 */

export interface PlatformCheck {
  /** `os/arch[/variant]`; absent when the target is a single manifest. */
  platform?: string;
  report: CheckReport;
}

export interface PlatformsCheckOptions extends CheckOptions {
  platforms?: Platform[];
  /** Called before each platform of an index is checked (`index` from 0). */
  onPlatform?(platform: string, index: number, count: number): void;
}

/**
 * The platforms of the target's index, or, for a single manifest, the one its config names (the
 * source is read for that platform: a darner image of one platform taken from an index is
 * compared with that platform's source image, whatever the host is).
 */
async function targetPlatforms(targetRef: string, options: ImageStoreOptions): Promise<{ index: Platform[]; single?: Platform }> {
  const target = await openImageSource(targetRef, options);
  try {
    const index = await target.platforms();
    if (index.length > 0) return { index };
    return { index, single: configPlatform((await target.resolve()).config) };
  } finally {
    await target.close();
  }
}

export async function checkPlatforms(sourceRef: string, targetRef: string, options: PlatformsCheckOptions = {}): Promise<PlatformCheck[]> {
  const { platforms: wanted, onPlatform, ...checkOptions } = options;
  const found = await targetPlatforms(targetRef, options.target ?? {});
  if (found.single !== undefined) {
    if (wanted !== undefined && wanted.length > 1) {
      throw new UsageError(`${targetRef} is a single-platform image: --platform takes one platform for it, not ${wanted.length}`);
    }
    const report = await checkImage(sourceRef, targetRef, {
      ...checkOptions,
      source: { ...options.source, platform: wanted?.[0] ?? found.single },
      target: { ...options.target, ...(wanted?.[0] !== undefined ? { platform: wanted[0] } : {}) },
    });
    return [{ ...(wanted?.[0] !== undefined ? { platform: formatPlatform(wanted[0]) } : {}), report }];
  }
  const chosen = choosePlatforms(found.index, wanted);
  const out: PlatformCheck[] = [];
  for (const [index, platform] of chosen.entries()) {
    const name = formatPlatform(platform);
    onPlatform?.(name, index, chosen.length);
    const report = await checkImage(sourceRef, targetRef, {
      ...checkOptions,
      source: { ...options.source, platform },
      target: { ...options.target, platform },
    });
    out.push({ platform: name, report });
  }
  return out;
}
