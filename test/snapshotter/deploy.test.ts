import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse as parseToml } from 'smol-toml';
import { parseDaemonConfig } from '../../src/daemon/config.js';
import { loadConfig, parseConfig } from '../../snapshotter/config.js';

// The configuration files shipped in docs/deploy are read by the same loaders as at run time, so
// a renamed key cannot leave them silently wrong.

const DEPLOY = fileURLToPath(new URL('../../../docs/deploy/', import.meta.url));

test('deploy/snapshotter.toml loads', (t) => {
  const config = loadConfig(`${DEPLOY}snapshotter.toml`);
  t.is(config.daemon.address, '/run/darner/daemon.sock');
  t.is(config.address, '/run/darner/snapshotter.sock');
  t.deepEqual(config.daemon.startCommand?.slice(1, 4), ['daemon', '--socket', config.daemon.address]);
});

test('deploy/containerd-config.toml registers the proxy plugin and the CRI settings', (t) => {
  const doc = parseToml(fs.readFileSync(`${DEPLOY}containerd-config.toml`, 'utf8')) as Record<string, any>;
  t.deepEqual(doc.proxy_plugins.darner, { type: 'snapshot', address: loadConfig(`${DEPLOY}snapshotter.toml`).address });
  t.deepEqual(doc.plugins['io.containerd.grpc.v1.cri'].containerd, { snapshotter: 'darner', disable_snapshot_annotations: false });
});

test("the DaemonSet's ConfigMap holds configurations both processes accept", (t) => {
  const yaml = fs.readFileSync(`${DEPLOY}kubernetes/darner-daemonset.yaml`, 'utf8');
  const block = (name: string): string => {
    const m = new RegExp(`\\n  ${name.replace('.', '\\.')}: \\|\\n((?:    .*\\n|\\n)+)`).exec(yaml);
    if (!m) throw new Error(`no ${name} in the ConfigMap`);
    return m[1]!.replace(/^ {4}/gm, '');
  };
  const sn = parseConfig(block('snapshotter.toml'), 'snapshotter.toml');
  t.deepEqual(sn.daemon.startCommand, [], 'the pod runs the daemon; the snapshotter never starts one');
  const daemon = parseDaemonConfig(block('daemon.toml'), 'daemon.toml');
  t.is(daemon.socket, sn.daemon.address);
});
