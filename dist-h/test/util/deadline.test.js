import test from 'ava';
import v8 from 'node:v8';
import vm from 'node:vm';
import { deadline, DeadlineExpiredError } from '../../src/util/deadline.js';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
test('a deadline aborts with its own error when the time runs out, and says it expired', async (t) => {
    const d = deadline(30);
    t.false(d.signal.aborted);
    await sleep(80);
    t.true(d.signal.aborted);
    t.true(d.expired);
    t.true(d.signal.reason instanceof DeadlineExpiredError);
});
test('another signal aborting aborts it with that reason, not as expired; an aborted one at once', (t) => {
    const closing = new AbortController();
    const d = deadline(60_000, closing.signal);
    closing.abort(new Error('closed'));
    t.true(d.signal.aborted);
    t.false(d.expired);
    t.is(d.signal.reason.message, 'closed');
    const late = deadline(60_000, closing.signal);
    t.true(late.signal.aborted);
    t.false(late.expired);
});
test('dispose() stops the timer: the work was over before the deadline', async (t) => {
    const closing = new AbortController();
    const d = deadline(30, closing.signal);
    d.dispose();
    await sleep(80);
    closing.abort();
    t.false(d.signal.aborted);
});
test('the deadline fires when only a listener refers to the signal (a request waiting on it), across garbage collections', async (t) => {
    const closing = new AbortController();
    let fired = false;
    (() => {
        deadline(100, closing.signal).signal.addEventListener('abort', () => {
            fired = true;
        });
    })();
    for (let i = 0; i < 10; i++) {
        gc();
        await sleep(20);
    }
    await sleep(150);
    t.true(fired);
});
//# sourceMappingURL=deadline.test.js.map