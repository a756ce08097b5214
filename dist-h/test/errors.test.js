import test from 'ava';
import { DigestMismatchError, describeError, DarnerError } from '../src/errors.js';
test('describeError gives one line with the stable code', (t) => {
    const err = new DigestMismatchError('chunk 3', 'aa', 'bb');
    t.true(err instanceof DarnerError);
    t.is(describeError(err), 'chunk 3: digest mismatch (expected aa, got bb) [DIGEST_MISMATCH]');
    t.false(describeError(err).includes('\n'));
});
//# sourceMappingURL=errors.test.js.map