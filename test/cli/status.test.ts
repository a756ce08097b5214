/**
 * `darner status` against a real daemon (P2P on, one image mounted) and a real scheduler: the
 * mounts with their mode, the cache and the P2P state; the scheduler's peers; human and --json;
 * one line and exit 1 when nothing answers.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DaemonReport, SchedulerReport } from '../../src/cli/status-format.js';
import { formatDuration } from '../../src/cli/status-format.js';
import { startPeerDaemon, startSchedulerProcess, writeTokenFile } from '../harness/p2p-cluster.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
import { eventually } from '../p2p/helpers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function darner(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DARNER_LOG_LEVEL: 'warn' }, timeout: 60_000 });
}

test('formatDuration keeps the two largest units', (t) => {
  t.is(formatDuration(0), '0s');
  t.is(formatDuration(12_400), '12s');
  t.is(formatDuration((4 * 60 + 10) * 1000), '4m 10s');
  t.is(formatDuration((2 * 3600 + 5 * 60 + 7) * 1000), '2h 5m');
  t.is(formatDuration((3 * 86400 + 4 * 3600 + 59) * 1000), '3d 4h');
  t.is(formatDuration(3600 * 1000), '1h');
});

test('darner status shows a daemon\'s mounts with their mode, its cache and P2P; --scheduler shows the peers', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const image = await publishImage(registry.host, 'status', [[{ type: 'file', path: 'hello', data: 'status test\n' }]]);
  const token = await writeTokenFile('status-token');
  t.teardown(() => token.remove());
  const scheduler = await startSchedulerProcess({ tokenFile: token.path });
  t.teardown(() => scheduler.stop());
  const daemon = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: token.path });
  t.teardown(() => daemon.cleanup());
  const mountpoint = join(daemon.mountRoot, 'image');
  const { mount } = await daemon.client.mount({ reference: image.darnerRef, mountpoint });
  t.truthy(mount.mode);
  await eventually(async () => (await daemon.client.status()).p2p?.state === 'ready', 30_000, 'peer registered');

  const human = (await darner('status', '--socket', daemon.socket)).stdout;
  t.regex(human, new RegExp(`^daemon +pid ${daemon.pid}, version \\S+, up `, 'm'));
  t.regex(human, new RegExp(`^cache +${daemon.cacheDir}: 1 blobs \\(1 in use\\), `, 'm'));
  t.regex(human, new RegExp(`^p2p +on: host node-0, serving at http://${daemon.peerAddress}, scheduler ${scheduler.address} \\(ready\\)$`, 'm'));
  t.regex(human, /^mounts +1$/m);
  t.regex(human, /^ {2}ID +MODE +REFERENCE +MOUNTPOINT$/m);
  t.regex(human, new RegExp(`^ {2}${mount.id} +${mount.mode} +${image.darnerRef.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +${mountpoint}$`, 'm'));

  // The old flag name still works.
  const json = JSON.parse((await darner('status', '--daemon', daemon.socket, '--json')).stdout) as DaemonReport;
  t.is(json.daemon.pid, daemon.pid);
  t.is(json.daemon.p2p?.hostId, 'node-0');
  t.deepEqual(json.mounts.map((m) => [m.id, m.mode, m.mountpoint]), [[mount.id, mount.mode, mountpoint]]);
  t.deepEqual(json.cache.blobs.map((b) => b.id), mount.blobs);

  const sched = (await darner('status', '--scheduler', scheduler.address, '--peer-token-file', token.path)).stdout;
  t.regex(sched, new RegExp(`^scheduler +${scheduler.address}: id \\S+, version \\S+, store memory, up `, 'm'));
  t.regex(sched, /^peers +1 \(0 seeds\)$/m);
  t.regex(sched, new RegExp(`^ {2}node-0 +http://${daemon.peerAddress} +no +0/\\d+ `, 'm'));
  const schedJson = JSON.parse((await darner('status', '--scheduler', scheduler.address, '--peer-token-file', token.path, '--json')).stdout) as SchedulerReport;
  t.is(schedJson.scheduler.peers, 1);
  t.deepEqual(schedJson.peers.map((p) => [p.hostId, p.peerUrl]), [['node-0', `http://${daemon.peerAddress}`]]);

  // Without the token the scheduler refuses: one line with the code.
  const refused = await t.throwsAsync(darner('status', '--scheduler', scheduler.address));
  t.regex((refused as unknown as { stderr: string }).stderr, /^darner: [^\n]*\[SCHEDULER_UNAUTHENTICATED\]\n$/);
});

test('darner status with no daemon answering: one line naming the socket, exit 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'darner-status-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socket = join(dir, 'none.sock');
  const err = await t.throwsAsync(darner('status', '--socket', socket));
  const { stderr, code } = err as unknown as { stderr: string; code: number };
  t.is(code, 1);
  t.regex(stderr, new RegExp(`^darner: no darner daemon answers on ${socket} \\(ENOENT\\) \\[DAEMON_UNAVAILABLE\\]\\n$`));
});
