/**
 * `darner pull` is on the critical path of a cold container start: the CLI only asks the
 * snapshotter to pull, so what it loads before the verb runs must stay small. `darner pull`
 * registers its own verb only (src/cli/commands.ts); every other command registers all verbs, so
 * a verb module that imports a large package statically (instead of in its action) makes them all
 * load it. Counted by recording each module Node resolves while `darner pull --help` and
 * `darner --help` run (a module-resolution hook, node:module register).
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

/** What `darner ARGS` prints, and the URLs of the modules Node resolved while it ran. */
async function resolvedModules(args: string[]): Promise<{ stdout: string; urls: string[]; packages: Set<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'darner-start-imports-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    const register = join(dir, 'register.mjs');
    await writeFile(hooks, HOOKS);
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const { stdout, stderr } = await run(process.execPath, ['--import', pathToFileURL(register).href, CLI, ...args], { timeout: 60_000 });
    const urls = stderr.split('\n').filter((l) => l.startsWith('resolved ')).map((l) => l.slice('resolved '.length));
    const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
    return { stdout, urls, packages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('darner pull starts without loading the HTTP client, gRPC or protobuf packages', async (t) => {
  const { stdout, urls, packages } = await resolvedModules(['pull', '--help']);
  t.regex(stdout, /^Usage: darner pull/m);
  // The hook sees the CLI's own modules: a hook that saw nothing would pass any graph.
  t.true(urls.some((u) => u.endsWith('/snapshotter/pull/cli.js')), `modules seen: ${urls.length}`);
  t.deepEqual(HEAVY.filter((p) => packages.has(p)), [], `packages loaded: ${[...packages].join(', ')}`);
  t.deepEqual([...packages], ['commander'], 'the pull verb alone: no logger, no other verb\'s packages');
  t.false(urls.some((u) => /\/(converter|src\/daemon|src\/p2p)\/cli\.js$/.test(u)), 'no other verb module');
});

test('every verb starts without loading the HTTP client, gRPC or protobuf packages', async (t) => {
  const { stdout, urls, packages } = await resolvedModules(['--help']);
  t.regex(stdout, /^Usage: darner/m);
  t.true(urls.some((u) => u.endsWith('/converter/cli.js')), 'every verb is registered for the help');
  t.deepEqual(HEAVY.filter((p) => packages.has(p)), [], `packages loaded: ${[...packages].join(', ')}`);
});
