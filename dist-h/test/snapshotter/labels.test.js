import test from 'ava';
import { InvalidArgumentError } from '../../src/errors.js';
import { applyLabelUpdate, MAX_LABEL_BYTES, normalizeLabels, validateLabels } from '../../snapshotter/labels.js';
const current = { a: '1', b: '2', 'containerd.io/gc.root': 'x' };
test('no paths replaces every label with the request', (t) => {
    t.deepEqual(applyLabelUpdate('s', current, { c: '3' }, []), { c: '3' });
    t.deepEqual(applyLabelUpdate('s', current, {}, []), {});
});
test('path "labels" replaces every label with the request', (t) => {
    t.deepEqual(applyLabelUpdate('s', current, { c: '3', d: '' }, ['labels']), { c: '3' });
});
test('path labels.K copies K and keeps the others', (t) => {
    t.deepEqual(applyLabelUpdate('s', current, { a: 'new', b: 'ignored' }, ['labels.a']), {
        a: 'new',
        b: '2',
        'containerd.io/gc.root': 'x',
    });
});
test('path labels.K with K absent from the request deletes K (containerd filters gc labels out)', (t) => {
    t.deepEqual(applyLabelUpdate('s', current, {}, ['labels.containerd.io/gc.root']), { a: '1', b: '2' });
});
test('path labels.K with an empty value deletes K', (t) => {
    t.deepEqual(applyLabelUpdate('s', current, { a: '' }, ['labels.a']), { b: '2', 'containerd.io/gc.root': 'x' });
});
test('paths apply in order: labels then labels.K', (t) => {
    t.deepEqual(applyLabelUpdate('s', current, { c: '3' }, ['labels', 'labels.a']), { c: '3' });
    t.deepEqual(applyLabelUpdate('s', current, { a: '9', c: '3' }, ['labels.b', 'labels']), { a: '9', c: '3' });
});
test('a label key may contain dots and slashes', (t) => {
    t.deepEqual(applyLabelUpdate('s', {}, { 'x.y/z': 'v' }, ['labels.x.y/z']), { 'x.y/z': 'v' });
});
for (const path of ['name', 'parent', 'kind', 'created_at', 'label', 'labelsx', '']) {
    test(`path ${JSON.stringify(path)} is INVALID_ARGUMENT`, (t) => {
        const err = t.throws(() => applyLabelUpdate('snap', current, {}, ['labels.a', path]), {
            instanceOf: InvalidArgumentError,
        });
        t.is(err?.message, `cannot update "${path}" field on snapshot "snap"`);
    });
}
test('a label of exactly 4096 bytes passes, one byte more is INVALID_ARGUMENT', (t) => {
    const key = 'k'.repeat(96);
    t.notThrows(() => validateLabels({ [key]: 'v'.repeat(MAX_LABEL_BYTES - 96) }));
    const err = t.throws(() => validateLabels({ [key]: 'v'.repeat(MAX_LABEL_BYTES - 95) }), { instanceOf: InvalidArgumentError });
    t.regex(err?.message ?? '', /greater than maximum size \(4096 bytes\)/);
});
test('label size counts UTF-8 bytes', (t) => {
    t.throws(() => validateLabels({ k: 'é'.repeat(2048) }), { instanceOf: InvalidArgumentError });
});
test('empty values are dropped when stored', (t) => {
    t.deepEqual(normalizeLabels({ a: '', b: 'x' }), { b: 'x' });
    t.deepEqual(normalizeLabels(undefined), {});
});
//# sourceMappingURL=labels.test.js.map