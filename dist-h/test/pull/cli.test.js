import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { buildOciImage, busyboxEntries, pushOciImage } from '../harness/oci-image.js';
import { startRegistry } from '../harness/registry.js';
import { startPullEnv } from './env.js';
// The `darner pull` command line: ctr's flags, credentials for a registry that wants them, one
// line per step, and a one-line error with a non-zero exit.
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
test('darner pull --user pulls from a registry with basic auth and reports each layer', async (t) => {
    const env = await startPullEnv(t);
    const registry = await startRegistry({ auth: 'htpasswd' });
    t.teardown(() => registry.stop());
    const creds = `${registry.username}:${registry.password}`;
    const image = await buildOciImage({ name: 'private', layers: [busyboxEntries(['sh', 'echo'])] });
    const ref = `${registry.host}/team/private:1`;
    await pushOciImage(image, ref, { username: registry.username, password: registry.password, dockerConfigPath: null });
    const env0 = { ...process.env, DOCKER_CONFIG: env.dir }; // no docker config credentials
    const denied = await t.throwsAsync(run(process.execPath, [CLI, 'pull', '--address', env.ctd.address, ref], { env: env0 }));
    t.is(denied?.code, 1);
    t.regex(denied?.stderr ?? '', /^darner: .*401.*\[REGISTRY_UNAUTHORIZED\]\n$/);
    const { stdout } = await run(process.execPath, [CLI, 'pull', '--address', env.ctd.address, '-n', 'default', '--snapshotter', 'darner', '--user', creds, ref], { env: env0 });
    t.regex(stdout, new RegExp(`^resolved ${ref.replace(/\./g, '\\.')} to sha256:[0-9a-f]{64}$`, 'm'));
    t.regex(stdout, new RegExp(`^layer 1/1 ${image.layers[0].digest}: unpacked \\(.* fetched\\)$`, 'm'));
    t.regex(stdout, /: 1 layers \(0 remote, 1 unpacked, 0 present\), .* fetched in [\d.]+ s\n$/);
    t.is(await env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', ref, `cli-${process.pid}`, 'echo', 'ran']), 'ran\n');
    const bad = await t.throwsAsync(run(process.execPath, [CLI, 'pull', '--user', 'nopassword', ref]));
    t.regex(bad?.stderr ?? '', /--creds must be USER:PASSWORD \[USAGE\]/);
    const local = await t.throwsAsync(run(process.execPath, [CLI, 'pull', `oci:${env.dir}`]));
    t.regex(local?.stderr ?? '', /takes a registry reference/);
});
//# sourceMappingURL=cli.test.js.map