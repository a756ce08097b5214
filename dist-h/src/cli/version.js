import { readFileSync } from 'node:fs';
import { describeError } from '../errors.js';
import { nativeVersion } from '../native.js';
/** darner's version, from the package.json at the package root (three levels above dist/src/cli). */
export function packageVersion() {
    try {
        const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
        return typeof pkg.version === 'string' ? pkg.version : 'unknown';
    }
    catch {
        return 'unknown';
    }
}
/**
 * What `darner --version` prints: the package's version and the native addon's, since the two are
 * built separately and an installed package must carry an addon matching its JavaScript. An addon
 * that does not load is reported, not thrown: --version is how one finds that out.
 */
export function versionText() {
    let native;
    try {
        native = nativeVersion();
    }
    catch (err) {
        native = `not loaded (${describeError(err)})`;
    }
    return `darner ${packageVersion()}\nnative addon ${native}\n`;
}
//# sourceMappingURL=version.js.map