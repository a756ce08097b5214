#!/usr/bin/env node
// Builds darner's release package: an npm tarball that installs with `npm install -g` and runs with
// no Rust toolchain, no C compiler and no network.
//
//   node scripts/pack-release.mjs [--out DIR]     (after `npm run build`; prints the tarball's path)
//
// What it carries, beyond package.json's `files` (the compiled JavaScript, the proto files, the
// systemd units and default configs):
// - the native addon for linux-x64-gnu next to its napi-rs loader (native/index.cjs loads
//   ./darner-native.linux-x64-gnu.node first, napi-rs's per-platform file name);
// - npm-shrinkwrap.json (the lock file), so every dependency version is pinned;
// - the production dependencies bundled (bundleDependencies), with the compiled addons of
//   better-sqlite3 and zstd-napi included and their install scripts removed: otherwise npm would
//   run `prebuild-install || node-gyp rebuild` (or, with no install script, its implicit
//   `node-gyp rebuild`) for them at install time, which needs the network
//   or a compiler. better-sqlite3's addon is built against the packing Node's ABI, so the
//   package's engines field is narrowed to that Node major.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const outIndex = process.argv.indexOf('--out');
const out = resolve(outIndex > 0 ? process.argv[outIndex + 1] : root);

function fail(message) {
  process.stderr.write(`pack-release: ${message}\n`);
  process.exit(1);
}

const addon = join(root, 'native', 'darner-native.linux-x64-gnu.node');
if (!existsSync(addon) || !existsSync(join(root, 'native', 'index.cjs'))) fail('native addon not built: run `npm run build:native` first');
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) fail('TypeScript not built: run `npm run build:ts` first');

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'darner-pack-'));
try {
  for (const entry of [...pkg.files, 'package.json']) {
    // `files` entries are directories, files or dir/**/*.js globs: copy the directory part whole,
    // npm pack applies the globs.
    const path = entry.split('/**')[0].replace(/\/$/, '');
    if (existsSync(join(root, path))) cpSync(join(root, path), join(stage, path), { recursive: true, dereference: true });
  }
  cpSync(join(root, 'package-lock.json'), join(stage, 'npm-shrinkwrap.json'));
  // The repository's node_modules (possibly a symlink) pruned to the production dependencies,
  // offline: the lock file already names every version.
  // (cp(1): much faster than fs.cpSync over tens of thousands of small files)
  execFileSync('cp', ['-a', `${join(root, 'node_modules')}/.`, join(stage, 'node_modules')], { stdio: 'inherit' });
  execFileSync('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });

  const prebuilt = { 'better-sqlite3': 'build/Release/better_sqlite3.node', 'zstd-napi': 'build/Release/binding.node' };
  for (const [name, binary] of Object.entries(prebuilt)) {
    const dir = join(stage, 'node_modules', name);
    if (!existsSync(join(dir, binary))) fail(`${name} has no compiled addon at ${binary}: run \`npm ci\` first`);
    // Only the addon itself: the object files and make's state beside it are hundreds of files.
    const kept = readFileSync(join(dir, binary));
    rmSync(join(dir, 'build'), { recursive: true, force: true });
    mkdirSync(join(dir, dirname(binary)), { recursive: true });
    writeFileSync(join(dir, binary), kept);
    const depPkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    delete depPkg.scripts?.install;
    // npm's implicit `node-gyp rebuild` for a package with a binding.gyp and no install script.
    depPkg.gypfile = false;
    if (Array.isArray(depPkg.files)) depPkg.files.push(binary);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(depPkg, null, 2)}\n`);
  }

  const nodeMajor = process.versions.node.split('.')[0];
  const stagedPkg = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'));
  stagedPkg.engines = { ...stagedPkg.engines, node: `${stagedPkg.engines?.node ?? '*'} <${Number(nodeMajor) + 1}` };
  stagedPkg.os = ['linux'];
  stagedPkg.cpu = ['x64'];
  delete stagedPkg.devDependencies;
  // npm 11 leaves the lock file out unless `files` names it.
  stagedPkg.files = [...stagedPkg.files, 'npm-shrinkwrap.json'];
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(stagedPkg, null, 2)}\n`);

  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  process.stdout.write(`${join(out, packed[0].filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
