import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { MediaType } from '../../src/oci/image-spec.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { parseMountPoints, readMountInfo } from '../../snapshotter/mountinfo.js';
import { startErofsDaemon, type ErofsDaemon } from '../harness/erofs-daemon.js';
import { snapshotsClient } from '../harness/snapshotter.js';
import { LAYERED_VIEW_SCRIPT, blobRequests, uid, convertToRegistry, layeredImage, layeredView, startPullEnv, type PullEnv } from './env.js';

// Containers of lazily pulled darner images: containerd + runc, the darner snapshotter, and an
// image filesystem behind the daemon's control API.

const run = promisify(execFile);

async function setup(t: ExecutionContext): Promise<{ env: PullEnv; daemon: ErofsDaemon; ref: string; data: string[] }> {
  let daemon: ErofsDaemon | undefined;
  const env = await startPullEnv(t, {
    daemon: async (socket) => {
      daemon = await startErofsDaemon(socket);
      return daemon;
    },
  });
  const summary = await convertToRegistry(await layeredImage(), env.dir, `${env.registry.host}/test/app:conv`);
  const data = summary.manifest.layers.filter((l) => l.mediaType === MediaType.NYDUS_BLOB).map((l) => l.digest);
  env.proxy.reset();
  return { env, daemon: daemon!, ref: `${env.proxy.host}/test/app:conv`, data };
}

function mountsUnder(dir: string): string[] {
  return parseMountPoints(readMountInfo()).filter((p) => p.startsWith(`${dir}/`));
}

const SN = ['snapshots', '--snapshotter', 'darner'];

test('darner pull fetches no data blob; ctr run sees the upper layers\' view through the image mount', async (t) => {
  const { env, daemon, ref, data } = await setup(t);
  const result = await pullImage(ref, env.pullOptions);
  t.deepEqual(result.layers.map((l) => l.result), ['remote', 'remote', 'remote', 'unpacked']);
  t.is(blobRequests(env.proxy, data), 0);

  const out = await env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', ref, uid('c1'), 'sh', '-c', LAYERED_VIEW_SCRIPT]);
  t.is(out, layeredView());
  // (The mount itself may already be gone: a GC pass after the --rm removes the container's snapshot.)
  const mounts = daemon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/mounts');
  t.is(mounts.length, 1);
  const request = mounts[0]!.body as { reference: string; mountpoint: string; bootstrap: string };
  t.is(path.dirname(request.mountpoint), path.join(env.sn.root, 'mnt'));
  t.is(request.reference, `${env.proxy.host}/test/app@${result.manifestDigest}`);
  t.regex(request.bootstrap, new RegExp(`^${env.sn.root}/snapshots/\\d+/fs/image/image\\.boot$`));
});

test('ctr-remote images rpull, then ctr run', async (t) => {
  const { env, ref, data } = await setup(t);
  await run('ctr-remote', ['--address', env.ctd.address, 'images', 'rpull', '--plain-http', '--snapshotter', 'darner', ref], { timeout: 120_000 });
  t.is(blobRequests(env.proxy, data), 0);
  t.is(await env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', ref, uid('c1'), 'sh', '-c', LAYERED_VIEW_SCRIPT]), layeredView());
});

test('two containers share one mount; removing them and the image leaves no mount, directory or record', async (t) => {
  const { env, daemon, ref } = await setup(t);
  await pullImage(ref, env.pullOptions);
  const [c1, c2] = [uid('c1'), uid('c2')];
  await env.ctd.ctr(['run', '-d', '--snapshotter', 'darner', ref, c1, 'sleep', '600']);
  await env.ctd.ctr(['run', '-d', '--snapshotter', 'darner', ref, c2, 'sleep', '600']);
  const lowers = await Promise.all([c1, c2].map(async (c) => /lowerdir=([^,\s]+)/.exec(await env.ctd.ctr([...SN, 'mounts', '/mnt', c]))?.[1]));
  t.is(daemon.mounts.size, 1);
  const [mount] = daemon.mounts.values();
  t.deepEqual(lowers, [mount!.mountpoint, mount!.mountpoint], 'both containers have the image mount as their only lower layer');
  t.is(daemon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/mounts').length, 1);

  // One container goes: the image stays mounted for the other.
  await env.ctd.ctr(['tasks', 'kill', '-s', 'SIGKILL', c1]);
  await waitForTaskGone(env, c1);
  await env.ctd.ctr(['containers', 'rm', c1]);
  await env.ctd.ctr(['images', 'rm', '--sync', ref]);
  t.is(daemon.mounts.size, 1);
  t.is(await env.ctd.ctr(['tasks', 'exec', '--exec-id', 'e1', c2, 'cat', '/data/keep.txt']), 'kept\n');

  // The last one goes: after GC (and its Cleanup) nothing is left.
  await env.ctd.ctr(['tasks', 'kill', '-s', 'SIGKILL', c2]);
  await waitForTaskGone(env, c2);
  await env.ctd.ctr(['containers', 'rm', c2]);
  await gcUntilEmpty(env);
  t.is(daemon.mounts.size, 0);
  t.deepEqual(mountsUnder(env.sn.root), []);
  t.deepEqual(fs.readdirSync(path.join(env.sn.root, 'snapshots')), []);
  t.deepEqual(fs.readdirSync(path.join(env.sn.root, 'mnt')), []);
  const client = snapshotsClient(env.sn.address);
  t.teardown(() => client.close());
  t.deepEqual((await client.list()).infos, []);
  const gc = daemon.requests.filter((r) => r.path === '/api/v1/cache/gc');
  t.true(gc.length > 0, 'Cleanup released the cache');
  t.deepEqual(gc[gc.length - 1]!.body, { keep: [] });
});

test('a SIGKILLed snapshotter never disturbs a running container; restarted, it finds its mount again', async (t) => {
  const { env, daemon, ref } = await setup(t);
  await pullImage(ref, env.pullOptions);
  const loop = 'while true; do sha256sum /data/a.bin /data/dir/y >> /tmp/sums 2>&1 || echo FAIL >> /tmp/sums; sleep 0.05; done';
  const reader = uid('reader');
  await env.ctd.ctr(['run', '-d', '--snapshotter', 'darner', ref, reader, 'sh', '-c', loop]);
  const lines = async (): Promise<string[]> => (await env.ctd.ctr(['tasks', 'exec', '--exec-id', `x${Date.now()}`, reader, 'cat', '/tmp/sums'])).split('\n').filter(Boolean);
  await waitFor(async () => (await lines()).length >= 4);

  env.sn.kill('SIGKILL');
  await env.sn.exited;
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3'); // the next reads go to the image filesystem again
  const before = (await lines()).length;
  await waitFor(async () => (await lines()).length >= before + 10);
  await env.restartSnapshotter();

  // containerd reconnects to the proxy after its gRPC backoff: wait for that.
  let listing = '';
  await waitFor(async () => {
    listing = await env.ctd.ctr([...SN, 'ls']).catch(() => '');
    return listing !== '';
  });
  t.regex(listing, new RegExp(`\\b${reader}\\s.*Active`));
  t.is(await env.ctd.ctr(['run', '--rm', '--snapshotter', 'darner', ref, uid('c2'), 'cat', '/data/keep.txt']), 'kept\n');
  t.is(daemon.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/mounts').length, 1, 'the running mount was found again, not made twice');

  const sums = await lines();
  t.false(sums.some((l) => !/^[0-9a-f]{64} {2}\/data\/(a\.bin|dir\/y)$/.test(l)), sums.filter((l) => !l.startsWith('/')).slice(0, 3).join('\n'));
  t.is(new Set(sums).size, 2, 'every read gave the same bytes');

  await env.ctd.ctr(['tasks', 'kill', '-s', 'SIGKILL', reader]);
  await waitForTaskGone(env, reader);
  await env.ctd.ctr(['containers', 'rm', reader]);
  await gcUntilEmpty(env, ref);
  t.is(daemon.mounts.size, 0);
  t.deepEqual(fs.readdirSync(path.join(env.sn.root, 'snapshots')), []);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function waitForTaskGone(env: PullEnv, id: string): Promise<void> {
  await waitFor(async () => {
    try {
      await env.ctd.ctr(['tasks', 'rm', id]);
      return true;
    } catch (err) {
      return /not found/.test((err as Error).message);
    }
  });
}

/** Removes the image (if given) and runs GC until the snapshotter holds no snapshot. */
async function gcUntilEmpty(env: PullEnv, ref?: string): Promise<void> {
  if (ref) await env.ctd.ctr(['images', 'rm', '--sync', ref]);
  else {
    const images = (await env.ctd.ctr(['images', 'ls', '-q'])).split('\n').filter(Boolean);
    for (const image of images) await env.ctd.ctr(['images', 'rm', '--sync', image]);
  }
  const client = snapshotsClient(env.sn.address);
  try {
    await waitFor(async () => {
      if ((await client.list()).infos.length === 0) return true;
      // A lease-less GC pass: `ctr leases` has none, so deleting a throwaway lease triggers one.
      await env.ctd.ctr(['leases', 'create', '--id', 'gc-kick']).catch(() => undefined);
      await env.ctd.ctr(['leases', 'rm', '--sync', 'gc-kick']).catch(() => undefined);
      return false;
    }, 30_000);
    await client.cleanup();
  } finally {
    client.close();
  }
}
