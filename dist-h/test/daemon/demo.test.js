/** `darner demo`, the README's first command: runs end to end, fetches a fraction of the image, leaves nothing behind. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
function bytesOf(text) {
    const m = /^([\d.]+) (B|KiB|MiB|GiB)$/.exec(text.trim());
    if (!m)
        throw new Error(`not a size: ${text}`);
    return Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2]];
}
test('darner demo builds, converts, mounts lazily, reads, reports and cleans up', async (t) => {
    const parent = await mkdtemp(join(tmpdir(), 'darner-demo-test-'));
    t.teardown(() => rm(parent, { recursive: true, force: true }));
    const { stdout } = await run(process.execPath, [CLI, 'demo', '--dir', parent], { env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } });
    t.log(stdout);
    t.regex(stdout, /4\. mounted it lazily at .* origin bytes fetched so far: 0 B/);
    t.regex(stdout, /hello from a binary that was never downloaded whole/);
    t.regex(stdout, /Welcome to a lazily loaded darner image\./);
    const m = /fetched from the origin: ([\d.]+ \w+) for an image of ([\d.]+ \w+)/.exec(stdout);
    t.truthy(m);
    const fetched = bytesOf(m[1]);
    const image = bytesOf(m[2]);
    t.true(fetched > 0 && fetched < image / 4, `${fetched} of ${image} bytes`);
    t.regex(stdout, /7\. unmounted/);
    t.deepEqual(await readdir(parent), [], 'the work directory is removed');
    t.false((await readFile('/proc/self/mountinfo', 'utf8')).includes(parent), 'nothing stays mounted');
});
//# sourceMappingURL=demo.test.js.map