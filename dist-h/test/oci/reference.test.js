import test from 'ava';
import { InvalidReferenceError } from '../../src/errors.js';
import { formatReference, isLoopbackRegistry, parseReference, registryBaseUrl, } from '../../src/oci/reference.js';
const HEX = 'a'.repeat(64);
const good = [
    ['oci:/images/x', { transport: 'oci', dir: '/images/x' }],
    ['oci:rel/dir:v1', { transport: 'oci', dir: 'rel/dir', tag: 'v1' }],
    ['oci:dir:name:with:colons', { transport: 'oci', dir: 'dir', tag: 'name:with:colons' }],
    ['docker-archive:/images/a.tar', { transport: 'docker-archive', path: '/images/a.tar' }],
    ['docker-archive:a.tar:@2', { transport: 'docker-archive', path: 'a.tar', image: { index: 2 } }],
    [
        'docker-archive:a.tar:busybox:1.36',
        { transport: 'docker-archive', path: 'a.tar', image: { name: 'docker.io/library/busybox:1.36' } },
        'docker-archive:a.tar:docker.io/library/busybox:1.36',
    ],
    [
        'docker://127.0.0.1:5000/app:v2',
        { transport: 'docker', registry: '127.0.0.1:5000', repository: 'app', tag: 'v2' },
    ],
    [
        'localhost:5000/app',
        { transport: 'docker', registry: 'localhost:5000', repository: 'app', tag: 'latest' },
        'docker://localhost:5000/app:latest',
    ],
    [
        'docker://localhost/team/app',
        { transport: 'docker', registry: 'localhost', repository: 'team/app', tag: 'latest' },
        'docker://localhost/team/app:latest',
    ],
    [
        'registry.example.com/a/b/c@sha256:' + HEX,
        { transport: 'docker', registry: 'registry.example.com', repository: 'a/b/c', digest: 'sha256:' + HEX },
        'docker://registry.example.com/a/b/c@sha256:' + HEX,
    ],
    [
        'example.com:443/x:t@sha256:' + HEX,
        { transport: 'docker', registry: 'example.com:443', repository: 'x', tag: 't', digest: 'sha256:' + HEX },
        'docker://example.com:443/x:t@sha256:' + HEX,
    ],
    [
        'busybox',
        { transport: 'docker', registry: 'docker.io', repository: 'library/busybox', tag: 'latest' },
        'docker://docker.io/library/busybox:latest',
    ],
    [
        'docker://busybox:1.36',
        { transport: 'docker', registry: 'docker.io', repository: 'library/busybox', tag: '1.36' },
        'docker://docker.io/library/busybox:1.36',
    ],
    [
        'someone/tool:0.1',
        { transport: 'docker', registry: 'docker.io', repository: 'someone/tool', tag: '0.1' },
        'docker://docker.io/someone/tool:0.1',
    ],
    [
        'index.docker.io/library/debian:12',
        { transport: 'docker', registry: 'docker.io', repository: 'library/debian', tag: '12' },
        'docker://docker.io/library/debian:12',
    ],
    [
        'docker://[::1]:5000/a-b__c.d',
        { transport: 'docker', registry: '[::1]:5000', repository: 'a-b__c.d', tag: 'latest' },
        'docker://[::1]:5000/a-b__c.d:latest',
    ],
];
for (const [input, expected, formatted] of good) {
    test(`parses ${input}`, (t) => {
        const ref = parseReference(input);
        t.deepEqual(ref, expected);
        const text = formatReference(ref);
        t.is(text, formatted ?? input);
        t.deepEqual(parseReference(text), ref, 'format → parse round trip');
    });
}
const bad = [
    ['', /empty/],
    ['oci:', /needs a directory/],
    ['oci::tag', /needs a directory/],
    ['oci:dir:', /bad tag ""/],
    ['oci:dir:bad tag', /bad tag/],
    ['docker-archive:', /needs a file path/],
    ['docker-archive:a.tar:@x', /bad image index/],
    ['docker-archive:a.tar:busybox@sha256:' + HEX, /by NAME:TAG, not by digest/],
    ['docker://', /empty image name/],
    ['docker://localhost:5000/', /empty repository/],
    ['docker://localhost:5000/App', /repository "App" must be lowercase/],
    ['docker://localhost:5000/a//b', /bad repository path component ""/],
    ['docker://localhost:5000/-a', /bad repository path component "-a"/],
    ['docker://localhost:5000/a:bad/tag', /bad repository path component|bad tag/],
    ['docker://localhost:5000/a:-tag', /bad tag "-tag"/],
    ['docker://localhost:5000/a:' + 't'.repeat(129), /bad tag/],
    ['docker://localhost:5000/a@sha256:abc', /bad digest "sha256:abc"/],
    ['docker://localhost:5000/a@sha512:' + 'a'.repeat(128), /unsupported digest algorithm "sha512"/],
    ['docker://localhost:5000/a@' + HEX, /bad digest/],
    ['docker://localhost:0/a', /bad registry port "0"/],
    ['docker://localhost:65536/a', /bad registry port "65536"/],
    ['docker://localhost:05000/a', /bad registry port "05000"/],
    ['docker://bad_host.com/a', /bad registry host "bad_host.com"/],
    ['docker://-x.com/a', /bad registry host/],
    ['dir:/srv/x', /unsupported transport "dir:"/],
    ['containers-storage:busybox', /unsupported transport "containers-storage:"/],
    ['docker://localhost/' + 'a'.repeat(260), /longer than 255/],
];
for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input.length > 60 ? input.slice(0, 60) + '…' : input)}`, (t) => {
        const err = t.throws(() => parseReference(input), { instanceOf: InvalidReferenceError });
        t.regex(err.message, message);
        t.is(err.code, 'BAD_REFERENCE');
    });
}
test('loopback registries speak plain http, others https', (t) => {
    t.true(isLoopbackRegistry('localhost:5000'));
    t.true(isLoopbackRegistry('127.0.0.1'));
    t.true(isLoopbackRegistry('127.10.20.30:80'));
    t.true(isLoopbackRegistry('[::1]:5000'));
    t.false(isLoopbackRegistry('127.0.0.256'));
    t.false(isLoopbackRegistry('128.0.0.1'));
    t.false(isLoopbackRegistry('localhost.example.com'));
    t.is(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
    t.is(registryBaseUrl('registry.example.com'), 'https://registry.example.com');
    t.is(registryBaseUrl('registry.example.com', { plainHttp: true }), 'http://registry.example.com');
    t.is(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
});
//# sourceMappingURL=reference.test.js.map