// TLS and mTLS between clients and the scheduler, with certificates made by the openssl CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { SchedulerError } from '../../src/errors.js';
import { SchedulerAdmin } from '../../src/p2p/scheduler-client.js';
import { defaultProcessConfig } from '../../src/p2p/scheduler/config.js';
import { startScheduler } from '../../src/p2p/scheduler/process.js';
import { BLOB, CLI, client } from './helpers.js';
const run = promisify(execFile);
/** A CA, a server certificate for IP 127.0.0.1 and a client certificate, all P-256. */
async function makeCertificates(dir) {
    const p = (name) => join(dir, name);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=darner test CA']);
    await writeFile(p('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
        await run('openssl', ['req', ...ec, '-keyout', p(`${who}.key`), '-out', p(`${who}.csr`), '-subj', `/CN=darner test ${who}`]);
        await run('openssl', ['x509', '-req', '-in', p(`${who}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
            '-out', p(`${who}.pem`), '-days', '2', '-extfile', p(`${who}.ext`)]);
    }
    return { ca: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key') };
}
test('mTLS: a client with a certificate from the CA gets P2P; without one, or in plaintext, it does not', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-tls-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const files = await makeCertificates(dir);
    const cfg = defaultProcessConfig();
    cfg.listen = '127.0.0.1:0';
    cfg.tls = { cert: files.serverCert, key: files.serverKey, clientCa: files.ca };
    const sched = await startScheduler(cfg, undefined);
    t.teardown(() => sched.stop());
    const ca = await readFile(files.ca);
    const cert = await readFile(files.clientCert);
    const key = await readFile(files.clientKey);
    const good = client(t, [sched.address], 'tls-peer', { tls: { ca, cert, key } });
    t.true(await good.ready(20_000));
    t.true((await good.resolve(BLOB, [0])).p2p);
    const noCert = new SchedulerAdmin({ addresses: [sched.address], tls: { ca }, callTimeoutMs: 3000 });
    const plain = new SchedulerAdmin({ addresses: [sched.address], callTimeoutMs: 3000 });
    t.teardown(() => {
        noCert.close();
        plain.close();
    });
    const e1 = await t.throwsAsync(noCert.status(), { instanceOf: SchedulerError });
    t.is(e1?.code, 'SCHEDULER_UNAVAILABLE');
    const e2 = await t.throwsAsync(plain.status(), { instanceOf: SchedulerError });
    t.is(e2?.code, 'SCHEDULER_UNAVAILABLE');
    // The CLI's TLS flags: the handshake works and the scheduler answers (no seed registered yet).
    const cli = await run(process.execPath, [CLI, 'preheat', '--scheduler', sched.address, '--tls-ca', files.ca,
        '--tls-cert', files.clientCert, '--tls-key', files.clientKey, 'registry.test/app:1']).then(() => ({ code: 0, stderr: '' }), (err) => ({ code: err.code, stderr: err.stderr }));
    t.is(cli.code, 1);
    t.regex(cli.stderr, /\[NO_SEED_PEER\]/);
});
//# sourceMappingURL=tls.test.js.map