/**
 * The committed golden bootstraps of darner's own layout (format version 1), which darner still
 * reads but no longer writes: tests of that reading path start from them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Tests run from dist/test/format/helpers; the fixtures are committed at the repository root.
const fixtureDir = new URL('../../../../fixtures/bootstrap/', import.meta.url);
/** A committed golden bootstrap, by file name (fresh bytes on each call). */
export function readGoldenBootstrap(name) {
    return readFileSync(fileURLToPath(new URL(name, fixtureDir)));
}
export function readV1Fixture(name) {
    return readFileSync(fileURLToPath(new URL(name, fixtureDir)));
}
//# sourceMappingURL=v1-fixture.js.map