import { openImageSource } from '../src/blob/image-store.js';
import { UsageError } from '../src/errors.js';
import { configPlatform } from '../src/oci/image-spec.js';
import { formatPlatform } from '../src/oci/platform.js';
import { checkImage } from './check.js';
import { choosePlatforms } from './convert-platforms.js';
/**
 * The platforms of the target's index, or, for a single manifest, the one its config names (the
 * source is read for that platform: a darner image of one platform taken from an index is
 * compared with that platform's source image, whatever the host is).
 */
async function targetPlatforms(targetRef, options) {
    const target = await openImageSource(targetRef, options);
    try {
        const index = await target.platforms();
        if (index.length > 0)
            return { index };
        return { index, single: configPlatform((await target.resolve()).config) };
    }
    finally {
        await target.close();
    }
}
export async function checkPlatforms(sourceRef, targetRef, options = {}) {
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
    const out = [];
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
//# sourceMappingURL=check-platforms.js.map