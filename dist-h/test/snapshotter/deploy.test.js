import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse as parseToml } from 'smol-toml';
import { parseDaemonConfig } from '../../src/daemon/config.js';
import { loadConfig } from '../../snapshotter/config.js';
// The configuration files shipped in deploy/ are read by the same loaders as at run time, so
// a renamed key cannot leave them silently wrong.
const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
test('deploy/config/snapshotter.toml loads', (t) => {
    const config = loadConfig(`${DEPLOY}config/snapshotter.toml`);
    t.is(config.daemon.address, '/run/darner/daemon.sock');
    t.is(config.address, '/run/darner/snapshotter.sock');
    t.deepEqual(config.daemon.startCommand?.slice(1, 4), ['daemon', '--socket', config.daemon.address]);
});
test('deploy/config/daemon.toml loads and serves the socket the snapshotter dials', (t) => {
    const daemon = parseDaemonConfig(fs.readFileSync(`${DEPLOY}config/daemon.toml`, 'utf8'), 'daemon.toml');
    t.is(daemon.socket, loadConfig(`${DEPLOY}config/snapshotter.toml`).daemon.address);
});
test('deploy/containerd/config.toml registers the proxy plugin and the CRI settings', (t) => {
    const doc = parseToml(fs.readFileSync(`${DEPLOY}containerd/config.toml`, 'utf8'));
    t.deepEqual(doc.proxy_plugins.darner, { type: 'snapshot', address: loadConfig(`${DEPLOY}config/snapshotter.toml`).address });
    t.deepEqual(doc.plugins['io.containerd.grpc.v1.cri'].containerd, { snapshotter: 'darner', disable_snapshot_annotations: false });
});
//# sourceMappingURL=deploy.test.js.map