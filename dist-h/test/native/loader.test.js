import test from 'ava';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nativeAvailable } from '../../src/native.js';
test('the addon loads from the build', (t) => {
    t.true(nativeAvailable());
});
test('a missing addon is NATIVE_MISSING with the build command, at first use and not at import', async (t) => {
    // A copy of the compiled wrapper in a tree that has no native/ directory beside it.
    const root = await mkdtemp(join(tmpdir(), 'darner-native-missing-'));
    t.teardown(() => rm(root, { recursive: true, force: true }));
    await mkdir(join(root, 'dist', 'src'), { recursive: true });
    await writeFile(join(root, 'package.json'), '{"type":"module"}');
    for (const file of ['native.js', 'errors.js']) {
        await copyFile(fileURLToPath(new URL(`../../src/${file}`, import.meta.url)), join(root, 'dist', 'src', file));
    }
    const wrapper = (await import(pathToFileURL(join(root, 'dist', 'src', 'native.js')).href));
    t.false(wrapper.nativeAvailable());
    const err = t.throws(() => wrapper.digestSync('blake3', Buffer.from('abc')));
    t.is(err.code, 'NATIVE_MISSING');
    t.is(err.name, 'NativeMissingError');
    t.regex(err.message, /npm run build:native/);
    const rejected = await t.throwsAsync(wrapper.digestBatch('blake3', []));
    t.is(rejected.code, 'NATIVE_MISSING');
});
//# sourceMappingURL=loader.test.js.map