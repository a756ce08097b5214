/**
 * Nydus's own tools on darner's bootstraps, where they are installed: `nydus-image check` loads
 * each bootstrap with the loader nydusd uses, and nydusd mounts one over its blobs and shows its
 * tree. Without the binaries on PATH each test says so in its log and checks nothing else; the
 * structural rules are checked without them in rafs-rules.test.ts.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeBootstrap } from '../../src/format/index.js';
import { basicModel, multiblobModel } from '../../fixtures/make-bootstraps.js';
import { tempDir } from './helpers/mount.js';
import { richModel } from './helpers/rich-model.js';

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function skipped(t: ExecutionContext, tool: string): boolean {
  if (onPath(tool)) return false;
  t.log(`SKIPPED: ${tool} is not on PATH, so this test checked nothing`);
  t.pass();
  return true;
}

const models = { basic: basicModel, multiblob: multiblobModel, rich: () => richModel(4096) };

for (const [name, model] of Object.entries(models)) {
  test(`nydus-image check accepts darner's ${name} bootstrap`, (t) => {
    if (skipped(t, 'nydus-image')) return;
    const dir = tempDir(t, 'nydus-check');
    const boot = join(dir, 'image.boot');
    writeFileSync(boot, writeBootstrap(model()));
    const run = spawnSync('nydus-image', ['check', '--bootstrap', boot, '--log-level', 'warn'], { encoding: 'utf8', timeout: 120_000 });
    t.log(run.stdout.split('\n').slice(0, 5).join('\n'));
    t.is(run.status, 0, run.stderr);
  });
}

test("nydusd mounts darner's bootstrap and lists the model's tree", async (t) => {
  if (skipped(t, 'nydusd')) return;
  const dir = tempDir(t, 'nydusd');
  const meta = basicModel();
  const boot = join(dir, 'image.boot');
  writeFileSync(boot, writeBootstrap(meta));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  mkdirSync(join(dir, 'blobs'));
  mkdirSync(join(dir, 'cache'));
  const config = {
    device: { backend: { type: 'localfs', config: { dir: join(dir, 'blobs') } }, cache: { type: 'blobcache', config: { work_dir: join(dir, 'cache') } } },
    mode: 'direct',
    digest_validate: false,
    enable_xattr: true,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const daemon = spawn('nydusd', ['--config', join(dir, 'config.json'), '--mountpoint', mnt, '--bootstrap', boot, '--rlimit-nofile', '0', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    // Mounted once /proc/self/mounts lists the mount point (bounded by attempts, not by time).
    let mounted = false;
    for (let i = 0; i < 600 && !mounted && daemon.exitCode === null; i++) {
      mounted = readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === mnt);
      if (!mounted) await sleep(100);
    }
    t.true(mounted, `nydusd did not mount: ${stderr}`);
    if (!mounted) return;
    t.deepEqual(readdirSync(mnt).sort(), [...meta.root.entries.keys()].sort());
  } finally {
    spawnSync('umount', [mnt]);
    daemon.kill();
  }
});
