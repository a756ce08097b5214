import test from 'ava';
import { parseWwwAuthenticate } from '../../src/blob/www-authenticate.js';
test('bearer challenge with quoted parameters', (t) => {
    t.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }]);
});
test('basic challenge, case-insensitive scheme and keys', (t) => {
    t.deepEqual(parseWwwAuthenticate('BASIC Realm="my registry"'), [{ scheme: 'basic', params: { realm: 'my registry' } }]);
});
test('several challenges in one header and in several headers', (t) => {
    const both = parseWwwAuthenticate('Basic realm="a", Bearer realm="https://t/x", service=reg');
    t.deepEqual(both, [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', service: 'reg' } },
    ]);
    t.is(parseWwwAuthenticate(['Basic realm="a"', 'Bearer realm="b"']).length, 2);
});
test('quoted strings with escapes, commas and spaces; an error parameter', (t) => {
    const [c] = parseWwwAuthenticate('Bearer realm="x",scope="repository:a:pull repository:b:pull,push",error="insufficient_scope",note="a \\"q\\", b"');
    t.is(c.params.scope, 'repository:a:pull repository:b:pull,push');
    t.is(c.params.error, 'insufficient_scope');
    t.is(c.params.note, 'a "q", b');
});
test('junk never throws', (t) => {
    for (const junk of ['', ',,,', '=', 'Bearer', 'Bearer realm', 'Bearer realm="unterminated', '"x"', 'Negotiate abc==']) {
        t.notThrows(() => parseWwwAuthenticate(junk), junk);
    }
    t.deepEqual(parseWwwAuthenticate(undefined), []);
    t.deepEqual(parseWwwAuthenticate('Bearer'), [{ scheme: 'bearer', params: {} }]);
});
//# sourceMappingURL=www-authenticate.test.js.map