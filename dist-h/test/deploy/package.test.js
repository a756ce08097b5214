import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
// The release package (scripts/pack-release.mjs) installed the way a user installs it: `npm install
// -g` of the tarball, offline with an empty npm cache (every dependency travels in the tarball)
// and a PATH holding no Rust toolchain; then the installed `darner` runs --version and the demo,
// and the systemd units pass `systemd-analyze verify` against the installed paths.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PATH_WITHOUT_RUST = '/usr/sbin:/usr/bin:/sbin:/bin';
const UNITS = path.join(ROOT, 'deploy', 'systemd');
function onPath(name, pathValue) {
    return pathValue.split(':').some((dir) => fs.existsSync(path.join(dir, name)));
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-package-'));
let tarball = '';
test.before(async () => {
    const packed = await run(process.execPath, [path.join(ROOT, 'scripts', 'pack-release.mjs'), '--out', work], { cwd: ROOT, maxBuffer: 1 << 24 });
    tarball = packed.stdout.trim();
});
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));
function installEnv(cache) {
    const env = { ...process.env, PATH: PATH_WITHOUT_RUST, npm_config_cache: cache };
    delete env.CARGO_HOME;
    delete env.RUSTUP_HOME;
    return env;
}
const INSTALL = ['install', '-g', '--offline', '--no-audit', '--no-fund'];
test.serial('the packed tarball installs without Rust or network and runs --version and the demo', async (t) => {
    t.false(onPath('cargo', PATH_WITHOUT_RUST) || onPath('rustc', PATH_WITHOUT_RUST), 'the install PATH must not hold a Rust toolchain');
    t.true(fs.existsSync(tarball), tarball);
    const prefix = path.join(work, 'prefix');
    const env = installEnv(path.join(work, 'npm-cache'));
    await run('npm', [...INSTALL, '--prefix', prefix, tarball], { env, timeout: 600_000, maxBuffer: 1 << 24 });
    const installed = path.join(prefix, 'lib', 'node_modules', 'darner');
    t.true(fs.existsSync(path.join(installed, 'npm-shrinkwrap.json')), 'the lock file travels with the package');
    // Nothing was compiled at install time: node-gyp leaves its object files under build/Release.
    for (const dep of ['better-sqlite3', 'zstd-napi']) {
        t.false(fs.existsSync(path.join(installed, 'node_modules', dep, 'build', 'Release', 'obj.target')), `${dep} was rebuilt at install`);
    }
    const darner = path.join(prefix, 'bin', 'darner');
    const pkgVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    const crateVersion = /^version = "([^"]+)"/m.exec(fs.readFileSync(path.join(ROOT, 'native', 'Cargo.toml'), 'utf8'))?.[1];
    const version = await run(darner, ['--version'], { env });
    t.is(version.stdout, `darner ${pkgVersion}\nnative addon ${crateVersion}\n`);
    const demo = await run(darner, ['demo', '--dir', work], { env, timeout: 240_000, maxBuffer: 1 << 24 });
    t.regex(demo.stdout, /fetched from the origin: .* for an image of/);
    t.regex(demo.stdout, /unmounted; stopping the daemon/);
});
test.serial('systemd-analyze verify accepts every unit once the package is installed globally', async (t) => {
    const units = fs.readdirSync(UNITS).filter((f) => f.endsWith('.service')).map((f) => path.join(UNITS, f));
    t.true(units.length >= 3, 'daemon, snapshotter and scheduler units');
    // npm's global prefix (/usr) as a user's `npm install -g` fills it, without touching the host's:
    // a private mount namespace with an overlay on /usr whose upper layer is thrown away.
    const upper = path.join(work, 'usr-upper');
    const scratch = path.join(work, 'usr-work');
    fs.mkdirSync(upper);
    fs.mkdirSync(scratch);
    const script = [
        'set -e',
        `mount -t overlay overlay -o lowerdir=/usr,upperdir=${upper},workdir=${scratch} /usr`,
        `npm ${INSTALL.join(' ')} --prefix /usr "$1" >/dev/null`,
        'test -x /usr/bin/darner',
        'shift',
        'systemd-analyze verify "$@"',
    ].join('\n');
    const env = installEnv(path.join(work, 'npm-cache-usr'));
    const result = await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', tarball, ...units], { env, timeout: 600_000, maxBuffer: 1 << 24 }).then((r) => ({ code: 0, stderr: r.stderr }), (err) => ({ code: err.code ?? -1, stderr: err.stderr ?? String(err) }));
    t.is(result.code, 0, result.stderr);
    t.is(result.stderr.trim(), '', 'systemd-analyze verify printed no warnings');
});
test('no unit makes containerd require darner', (t) => {
    for (const file of fs.readdirSync(UNITS).filter((f) => f.endsWith('.service'))) {
        const text = fs.readFileSync(path.join(UNITS, file), 'utf8');
        t.notRegex(text, /^\s*(RequiredBy|Requires|BindsTo|PartOf)=.*containerd/m, file);
        t.regex(text, /^Restart=always$/m, `${file} restarts`);
    }
    for (const file of ['darner-daemon.service', 'darner-snapshotter.service']) {
        const text = fs.readFileSync(path.join(UNITS, file), 'utf8');
        t.regex(text, /^Before=.*containerd\.service/m, file);
        t.regex(text, /^OOMScoreAdjust=-\d+$/m, file);
    }
});
//# sourceMappingURL=package.test.js.map