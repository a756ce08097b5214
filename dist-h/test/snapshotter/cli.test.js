import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, parseConfig } from '../../snapshotter/config.js';
import { MetaStore } from '../../snapshotter/metastore.js';
import { snapshotsClient, startSnapshotter } from '../harness/snapshotter.js';
test('an empty config gives the documented defaults', (t) => {
    t.deepEqual(parseConfig(''), {
        address: '/run/darner/snapshotter.sock',
        root: '/var/lib/darner/snapshotter',
        asyncRemove: false,
        overlay: {},
        remoteSnapshots: true,
        daemon: { address: '/run/darner/daemon.sock', startTimeoutMs: 30_000 },
        registry: { plainHttp: [], mirrors: {} },
        containerd: { address: '/run/containerd/containerd.sock' },
    });
    t.deepEqual(loadConfig(undefined), parseConfig(''));
});
test('every key is read', (t) => {
    const config = parseConfig(`
address = "unix:///run/x.sock"
root = "/srv/darner"
async_remove = true
remote_snapshots = false
[overlay]
index_off = false
userxattr = true
[daemon]
address = "/run/d.sock"
start_command = ["/usr/bin/darner", "daemon"]
start_timeout = 2.5
log_file = "/var/log/d.log"
[registry]
docker_config = "/etc/darner/docker.json"
plain_http = ["reg.local:5000"]
[registry.mirrors]
"docker.io" = ["m1.local", "m2.local:5000"]
[containerd]
address = "/run/ctd.sock"
`);
    t.deepEqual(config, {
        address: 'unix:///run/x.sock',
        root: '/srv/darner',
        asyncRemove: true,
        overlay: { indexOff: false, userxattr: true },
        remoteSnapshots: false,
        daemon: { address: '/run/d.sock', startCommand: ['/usr/bin/darner', 'daemon'], startTimeoutMs: 2500, logFile: '/var/log/d.log' },
        registry: { dockerConfig: '/etc/darner/docker.json', plainHttp: ['reg.local:5000'], mirrors: { 'docker.io': ['m1.local', 'm2.local:5000'] } },
        containerd: { address: '/run/ctd.sock' },
    });
});
const bad = [
    ['address = 3', /address must be a non-empty string/],
    ['root = "relative/dir"', /root must be an absolute path/],
    ['async_remove = "yes"', /async_remove must be true or false/],
    ['roots = "/x"', /roots: unknown key/],
    ['[overlay]\nindex = true', /overlay.index: unknown key/],
    ['overlay = 1', /overlay must be a table/],
    ['address = ', /config: /],
    ['[daemon]\nstart_command = "darner daemon"', /daemon.start_command must be a list of non-empty strings/],
    ['[daemon]\nstart_timeout = 0', /daemon.start_timeout must be a positive number of seconds/],
    ['[daemon]\nsocket = "/x"', /daemon.socket: unknown key/],
    ['[registry]\nmirrors = ["x"]', /registry.mirrors must be a table/],
    ['[registry.mirrors]\n"docker.io" = "m"', /registry.mirrors.docker.io must be a list/],
    ['remote_snapshots = 1', /remote_snapshots must be true or false/],
];
for (const [text, message] of bad) {
    test(`config ${JSON.stringify(text)} is rejected`, (t) => {
        const err = t.throws(() => parseConfig(text), { instanceOf: ConfigError, message });
        t.false(err?.message.includes('\n'));
    });
}
test('flags override the file', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-cfg-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'snapshotter.toml');
    fs.writeFileSync(file, 'address = "/from/file.sock"\nroot = "/from/file"\n');
    t.deepEqual(loadConfig(file, { root: '/from/flag' }), { ...parseConfig(''), address: '/from/file.sock', root: '/from/flag' });
    t.throws(() => loadConfig(path.join(dir, 'missing.toml')), { instanceOf: ConfigError, message: /cannot read/ });
});
test('the CLI serves with a config file, and SIGTERM lets an in-flight call finish before it exits', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-cli-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const root = path.join(dir, 'root');
    const address = path.join(dir, 'sn.sock');
    const configFile = path.join(dir, 'config.toml');
    // The file names a socket the flag overrides, and a root that the flag also overrides.
    fs.writeFileSync(configFile, `address = "${path.join(dir, 'unused.sock')}"\nroot = "${path.join(dir, 'unused')}"\nasync_remove = true\n`);
    const sn = await startSnapshotter({ root, address, configFile });
    t.teardown(() => sn.stop());
    const client = snapshotsClient(address);
    t.teardown(() => client.close());
    const mounts = await client.prepare('busy', '');
    const upper = mounts[0].source;
    t.true(upper.startsWith(path.join(root, 'snapshots')));
    // Enough files that measuring them takes a while.
    for (let d = 0; d < 40; d++) {
        fs.mkdirSync(path.join(upper, `d${d}`));
        for (let f = 0; f < 100; f++)
            fs.writeFileSync(path.join(upper, `d${d}`, `f${f}`), 'x');
    }
    const usage = client.usage('busy');
    await new Promise((r) => setTimeout(r, 5));
    sn.kill('SIGTERM');
    const result = await usage;
    t.is(result.inodes, 1 + 40 + 40 * 100);
    t.is(await sn.exited, 0);
    const logs = sn.logs();
    const stopping = logs.indexOf('"snapshotter stopping"');
    const usageDone = logs.search(/"method":"Usage"[^\n]*"msg":"rpc"/);
    t.true(stopping >= 0 && usageDone >= 0, logs.slice(-2000));
    t.true(stopping < usageDone, 'the signal arrived while Usage was running');
    t.true(logs.includes('"snapshotter stopped"'));
    t.false(fs.existsSync(address), 'the socket is removed');
    t.false(fs.existsSync(path.join(dir, 'unused')), 'flags override the file');
    // The database was closed: another process can open it now.
    const store = MetaStore.open(path.join(root, 'metadata.db'));
    t.is(store.withTransaction(false, (tx) => tx.get('busy'))?.kind, 'active');
    store.close();
});
test('async_remove leaves directories to Cleanup', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darner-cli-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'config.toml');
    fs.writeFileSync(configFile, 'async_remove = true\n');
    const sn = await startSnapshotter({ root: path.join(dir, 'root'), address: path.join(dir, 'sn.sock'), configFile });
    t.teardown(() => sn.stop());
    const client = snapshotsClient(sn.address);
    t.teardown(() => client.close());
    await client.prepare('a', '');
    await client.remove('a');
    const snapshots = path.join(sn.root, 'snapshots');
    t.deepEqual(fs.readdirSync(snapshots), ['1']);
    await client.cleanup();
    t.deepEqual(fs.readdirSync(snapshots), []);
});
//# sourceMappingURL=cli.test.js.map