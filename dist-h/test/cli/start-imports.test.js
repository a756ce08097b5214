/**
 * `darner pull` is on the critical path of a cold container start: the CLI only asks the
 * snapshotter to pull, so what it loads before the verb runs must stay small. Every verb is
 * registered at start, so a verb module that imports a large package statically (instead of in
 * its action) makes every `darner` command load it. Counted by recording each module Node
 * resolves while `darner pull --help` runs (a module-resolution hook, node:module register).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Packages the pull verb's start must not load (HTTP client, gRPC, protobuf: hundreds of files). */
const HEAVY = ['undici', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];
const HOOKS = `
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write('resolved ' + resolved.url + '\\n');
  return resolved;
}
`;
test('darner pull starts without loading the HTTP client, gRPC or protobuf packages', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-start-imports-'));
    try {
        const hooks = join(dir, 'hooks.mjs');
        const register = join(dir, 'register.mjs');
        await writeFile(hooks, HOOKS);
        await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
        const { stdout, stderr } = await run(process.execPath, ['--import', pathToFileURL(register).href, CLI, 'pull', '--help'], { timeout: 60_000 });
        t.regex(stdout, /^Usage: darner pull/m);
        const urls = stderr.split('\n').filter((l) => l.startsWith('resolved ')).map((l) => l.slice('resolved '.length));
        // The hook sees the CLI's own modules: a hook that saw nothing would pass any graph.
        t.true(urls.some((u) => u.endsWith('/snapshotter/pull/cli.js')), `modules seen: ${urls.length}`);
        const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
        t.deepEqual(HEAVY.filter((p) => packages.has(p)), [], `packages loaded: ${[...packages].join(', ')}`);
    }
    finally {
        await rm(dir, { recursive: true, force: true });
    }
});
//# sourceMappingURL=start-imports.test.js.map