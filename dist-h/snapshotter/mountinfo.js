import path from 'node:path';
import { parseMountPoints } from '../src/util/mountinfo.js';
/** Mount points at or below `dir`, from the given mountinfo text (so removal never recurses into a live mount). */
export function mountPointsUnder(dir, mountinfo) {
    const base = path.resolve(dir);
    return parseMountPoints(mountinfo).filter((p) => p === base || p.startsWith(`${base}/`));
}
//# sourceMappingURL=mountinfo.js.map