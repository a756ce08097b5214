/**
 * Golden bootstraps: every committed fixture decodes to the model its generator defines, and the
 * writer still produces it byte for byte. A failure here means the format changed: bump the
 * format version and regenerate (see fixtures/make-bootstraps.ts) only if that was intended.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Bootstrap, DARNER_FORMAT_VERSION, writeBootstrap } from '../../src/format/index.js';
import { FIXTURES } from '../../fixtures/make-bootstraps.js';
import { blockAlignedBlobs, canonical } from './helpers/canonical.js';
// Tests run from dist/test/format; the fixtures are committed at the repository root.
const fixtureDir = fileURLToPath(new URL('../../../fixtures/bootstrap/', import.meta.url));
test('every committed golden bootstrap has a generator', (t) => {
    const files = readdirSync(fixtureDir).filter((f) => f.endsWith('.boot')).sort();
    t.deepEqual(files, Object.keys(FIXTURES).sort());
});
for (const [name, model] of Object.entries(FIXTURES)) {
    const version = Number(/^v(\d+)-/.exec(name)[1]);
    test(`${name} decodes to its model`, (t) => {
        const bytes = readFileSync(join(fixtureDir, name));
        const bs = Bootstrap.parse(bytes);
        t.is(bs.formatVersion, version);
        t.is(bs.format, version === 1 ? 'darner' : 'rafs-v6');
        t.deepEqual(canonical(blockAlignedBlobs(bs.toMetadata())), canonical(model()));
    });
    // Older versions are only read: the writer produces the current one.
    if (version !== DARNER_FORMAT_VERSION)
        continue;
    test(`${name} is what the writer produces today`, (t) => {
        const bytes = readFileSync(join(fixtureDir, name));
        t.true(writeBootstrap(model()).equals(bytes));
    });
}
//# sourceMappingURL=golden.test.js.map