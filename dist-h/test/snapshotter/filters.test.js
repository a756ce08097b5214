import test from 'ava';
import { InvalidArgumentError } from '../../src/errors.js';
import { parseFilter, parseFilters, snapshotAdaptor, unquote } from '../../snapshotter/filters.js';
const CHAIN = 'sha256:8b3d0c1a7f0e44c1c8a9f8ad1f2d8e7c4b3a2918d7e6f5a4b3c2d1e0f9a8b7c6';
const PARENT_CHAIN = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
function info(partial) {
    return {
        name: 'default/12/sha256:abc',
        parent: '',
        kind: 'committed',
        created: 0n,
        updated: 0n,
        labels: {},
        ...partial,
    };
}
const remoteLayer = info({
    name: CHAIN,
    parent: `default/11/${PARENT_CHAIN}`,
    labels: { 'containerd.io/snapshot.ref': CHAIN, 'containerd.io/snapshot/remote': 'true' },
});
const matches = (filters, subject) => parseFilters(filters).match(snapshotAdaptor(subject));
test('the remote-snapshot lookup containerd sends matches the right snapshot only', (t) => {
    const filter = `labels."containerd.io/snapshot.ref"==${CHAIN},parent=="default/11/${PARENT_CHAIN}"`;
    t.true(matches([filter], remoteLayer));
    t.false(matches([filter], { ...remoteLayer, parent: `default/12/${PARENT_CHAIN}` }));
    t.false(matches([filter], { ...remoteLayer, labels: { 'containerd.io/snapshot.ref': PARENT_CHAIN } }));
    t.false(matches([filter], { ...remoteLayer, labels: {} }));
});
test('the lookup for a first layer has an empty quoted parent', (t) => {
    const filter = `labels."containerd.io/snapshot.ref"==${CHAIN},parent==""`;
    t.true(matches([filter], { ...remoteLayer, parent: '' }));
    t.false(matches([filter], remoteLayer));
});
const table = [
    ['kind==committed', {}, true],
    ['kind==active', {}, false],
    ['kind!=active', {}, true],
    ['kind==view', { kind: 'view' }, true],
    ['name==foo', { name: 'foo' }, true],
    ['name==foo', { name: 'food' }, false],
    ['name~=^fo', { name: 'food' }, true],
    ['name~=o{2}d$', { name: 'food' }, true],
    ['name~=/a.c/', { name: 'xabcx' }, true],
    ['name~=|^x|', { name: 'xabcx' }, true],
    ['name~=[', { name: 'x' }, false], // a bad regular expression matches nothing
    ['labels.foo', { labels: { foo: 'bar' } }, true],
    ['labels.foo', { labels: { other: 'bar' } }, false],
    ['labels.foo==bar', { labels: { foo: 'bar' } }, true],
    ['labels.foo!=bar', { labels: {} }, true], // absent reads as ""
    ['labels.foo!=""', { labels: {} }, false],
    ['labels.a.b==c', { labels: { 'a.b': 'c' } }, true], // path parts join with "."
    ['labels."a,b"==c', { labels: { 'a,b': 'c' } }, true],
    ['labels."x\\"y"==1', { labels: { 'x"y': '1' } }, true],
    ['labels.foo==bar,name==n', { name: 'n', labels: { foo: 'bar' } }, true],
    ['labels.foo==bar,name==n', { name: 'm', labels: { foo: 'bar' } }, false],
    ['parent', { parent: '' }, true], // name/parent are always present
    ['unknownfield', {}, false],
    ['name == spaced', { name: 'spaced' }, true], // whitespace before tokens is skipped
    ['name=="with space"', { name: 'with space' }, true],
    ['name==a=b', { name: 'a=b' }, true],
    ['name=="\\u00e9t\\xc3\\xa9"', { name: 'été' }, true],
    ['', {}, true],
];
for (const [filter, subject, expected] of table) {
    test(`filter ${JSON.stringify(filter)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(subject)}`, (t) => {
        t.is(parseFilter(filter).match(snapshotAdaptor(info(subject))), expected);
    });
}
test('several filters are ORed, no filter matches everything', (t) => {
    t.true(matches(['name==a', 'name==b'], info({ name: 'b' })));
    t.false(matches(['name==a', 'name==b'], info({ name: 'c' })));
    t.true(matches([], info({ name: 'c' })));
});
const bad = [
    'name==',
    'name=foo',
    'name===foo',
    '==foo',
    'name==foo,',
    ',name==foo',
    'name==foo ,kind==view', // containerd does not skip whitespace before a comma
    'labels."unterminated==x',
    'labels."bad\\q"==x',
    'name==.foo',
    'name==foo bar',
    'labels.containerd.io/snapshot.ref==x', // "/" starts a quoted literal: the key must be quoted
];
for (const filter of bad) {
    test(`filter ${JSON.stringify(filter)} is INVALID_ARGUMENT`, (t) => {
        const err = t.throws(() => parseFilter(filter), { instanceOf: InvalidArgumentError });
        t.regex(err?.message ?? '', /^filters: parse error: /);
        t.false(err?.message.includes('\n'));
    });
}
test('unquote follows Go with / and | as extra quote characters', (t) => {
    t.is(unquote('"abc"'), 'abc');
    t.is(unquote('/a\\/b/'), 'a/b');
    t.is(unquote('|a\\|b|'), 'a|b');
    t.is(unquote('"\\t\\n\\\\"'), '\t\n\\');
    t.is(unquote('"\\101\\x42\\u0043\\U00000044"'), 'ABCD');
    t.is(unquote('"a/b"'), 'a/b');
    t.is(unquote('"a\\/b"'), null); // \/ only inside /…/
    t.is(unquote('"a"b"'), null);
    t.is(unquote('"abc'), null);
    t.is(unquote('"\\400"'), null);
});
//# sourceMappingURL=filters.test.js.map