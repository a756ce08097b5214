import test from 'ava';
import { lowerBound, upperBound } from '../../src/fetch/sorted-search.js';
test('lowerBound: first at or above; upperBound: first above; the length when none is', (t) => {
    const values = Float64Array.from([0, 10, 10, 20, 35]);
    t.deepEqual([-1, 0, 5, 10, 11, 20, 35, 36].map((v) => lowerBound(values, v)), [0, 0, 1, 1, 3, 3, 4, 5]);
    t.deepEqual([-1, 0, 5, 10, 11, 20, 35, 36].map((v) => upperBound(values, v)), [0, 1, 1, 3, 3, 4, 5, 5]);
    t.is(lowerBound([], 3), 0);
    t.is(upperBound([], 3), 0);
});
//# sourceMappingURL=sorted-search.test.js.map