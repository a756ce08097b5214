// The requester's rule after every parent of a range failed (src/p2p/busy-retry.ts): pure.
import test from 'ava';
import { advance, afterParentsFailed, busyLast, newRetryState, type BusyRetrySettings, type NextStep } from '../../src/p2p/busy-retry.js';

const S: BusyRetrySettings = { busyWaitMs: 1500, busyRetryMinMs: 100, busyRetryMaxMs: 1000 };

/** The steps taken while every attempt's parents answer busy. */
function whileBusy(s: BusyRetrySettings, retryAfterMs?: number): NextStep[] {
  let state = newRetryState();
  const steps: NextStep[] = [];
  for (let i = 0; i < 100; i++) {
    const next = afterParentsFailed(state, { busy: 2, faults: 0, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, s);
    steps.push(next);
    if (next.step === 'origin') break;
    state = advance(state, next);
  }
  return steps;
}

test('busy parents: a new resolve at once, then doubling waits until the total bound, then the origin', (t) => {
  t.deepEqual(whileBusy(S), [
    { step: 'wait', delayMs: 0 }, { step: 'wait', delayMs: 100 }, { step: 'wait', delayMs: 200 }, { step: 'wait', delayMs: 400 }, { step: 'wait', delayMs: 800 },
    { step: 'origin', why: 'busy_wait_over' },
  ]);
  // Single waits are capped by busyRetryMaxMs and by the server's Retry-After.
  const capped = whileBusy({ busyWaitMs: 10_000, busyRetryMinMs: 100, busyRetryMaxMs: 1000 }, 300);
  t.deepEqual(capped.slice(0, 4).map((s) => (s.step === 'wait' ? s.delayMs : -1)), [0, 100, 200, 300]);
  t.true(capped.every((s) => s.step !== 'wait' || s.delayMs <= 300));
  const total = capped.reduce((n, s) => n + (s.step === 'wait' ? s.delayMs : 0), 0);
  t.true(total <= 10_000 && total > 10_000 - 300, `waited ${total} ms`);
});

test('the bound ends the retries whatever the settings: 0 waits never, 0 ms backoffs still count', (t) => {
  t.deepEqual(whileBusy({ ...S, busyWaitMs: 0 }), [{ step: 'origin', why: 'busy_wait_over' }]);
  const steps = whileBusy({ busyWaitMs: 50, busyRetryMinMs: 1, busyRetryMaxMs: 1 }, 0);
  t.is(steps.at(-1)!.step, 'origin');
  t.is(steps.length, 52);
});

test('faults (no parent busy): one new resolve without them, then the origin; nobody tried: the origin', (t) => {
  const state = newRetryState();
  const first = afterParentsFailed(state, { busy: 0, faults: 2 }, S);
  t.deepEqual(first, { step: 'resolve' });
  t.deepEqual(afterParentsFailed(advance(state, first), { busy: 0, faults: 1 }, S), { step: 'origin', why: 'faults' });
  t.deepEqual(afterParentsFailed(state, { busy: 0, faults: 0 }, S), { step: 'origin', why: 'no_parent' });
  // A busy parent among faulty ones: the chunks are still held, so wait.
  t.is(afterParentsFailed(advance(state, first), { busy: 1, faults: 3 }, S).step, 'wait');
});

test('parents that answered busy are tried last, in their order', (t) => {
  const p = (hostId: string) => ({ hostId });
  t.deepEqual(busyLast([p('a'), p('b'), p('c'), p('d')], new Set(['a', 'c'])).map((x) => x.hostId), ['b', 'd', 'a', 'c']);
  t.deepEqual(busyLast([p('a')], new Set()).map((x) => x.hostId), ['a']);
});
