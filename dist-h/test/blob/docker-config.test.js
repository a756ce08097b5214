import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsFromDockerConfig, defaultDockerConfigPath, loadDockerCredentials, normalizeAuthKey } from '../../src/blob/docker-config.js';
import { ConfigError } from '../../src/errors.js';
const b64 = (s) => Buffer.from(s).toString('base64');
test('auth entries: base64 user:password, username/password, identity and registry tokens', (t) => {
    const config = {
        auths: {
            'https://index.docker.io/v1/': { auth: b64('hub:pa:ss') },
            '127.0.0.1:5000': { username: 'u', password: 'p' },
            'http://reg.example.com/v2/': { identitytoken: 'refresh-me' },
            'tok.example.com': { registrytoken: 'abc' },
            'empty.example.com': {},
        },
    };
    t.deepEqual(credentialsFromDockerConfig(config, 'docker.io'), { username: 'hub', password: 'pa:ss' });
    t.deepEqual(credentialsFromDockerConfig(config, '127.0.0.1:5000'), { username: 'u', password: 'p' });
    t.deepEqual(credentialsFromDockerConfig(config, 'reg.example.com'), { identityToken: 'refresh-me' });
    t.deepEqual(credentialsFromDockerConfig(config, 'tok.example.com'), { registryToken: 'abc' });
    t.is(credentialsFromDockerConfig(config, 'empty.example.com'), undefined);
    t.is(credentialsFromDockerConfig(config, 'other.example.com'), undefined);
    t.is(credentialsFromDockerConfig({}, 'x'), undefined);
});
test('malformed entries are ConfigErrors', (t) => {
    t.throws(() => credentialsFromDockerConfig({ auths: { x: { auth: b64('nocolon') } } }, 'x'), { instanceOf: ConfigError, message: /not base64 of user:password/ });
    t.throws(() => credentialsFromDockerConfig({ auths: { x: { username: 5 } } }, 'x'), { instanceOf: ConfigError, message: /username is not a string/ });
    t.throws(() => credentialsFromDockerConfig({ auths: 'x' }, 'x'), { instanceOf: ConfigError });
    t.throws(() => credentialsFromDockerConfig(null, 'x'), { instanceOf: ConfigError });
});
test('auth keys normalize to host[:port]', (t) => {
    t.is(normalizeAuthKey('https://index.docker.io/v1/'), 'docker.io');
    t.is(normalizeAuthKey('registry-1.docker.io'), 'docker.io');
    t.is(normalizeAuthKey('http://LOCALHOST:5000/v2/'), 'localhost:5000');
});
test('config path: $DOCKER_CONFIG wins over ~/.docker', (t) => {
    t.is(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }), join('/etc/dc', 'config.json'));
    t.true(defaultDockerConfigPath({}).endsWith(join('.docker', 'config.json')));
});
test('loading: a missing file means no credentials; bad JSON is a ConfigError', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-dc-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    t.is(await loadDockerCredentials('x', join(dir, 'absent.json')), undefined);
    await writeFile(join(dir, 'bad.json'), '{');
    await t.throwsAsync(loadDockerCredentials('x', join(dir, 'bad.json')), { instanceOf: ConfigError, message: /not valid JSON/ });
    await writeFile(join(dir, 'good.json'), JSON.stringify({ auths: { x: { auth: b64('a:b') } } }));
    t.deepEqual(await loadDockerCredentials('x', join(dir, 'good.json')), { username: 'a', password: 'b' });
});
//# sourceMappingURL=docker-config.test.js.map