// The minimum pace a requester must keep (pure): judged per window of waiting for it.
import test from 'ava';
import { UploadPace } from '../../src/p2p/upload-pace.js';
test('a window of waiting with fewer than the minimum bytes cuts the upload; enough bytes start a new window', (t) => {
    const pace = new UploadPace(1000, 2000); // 2000 bytes per 2 s of waiting
    t.is(pace.remainingMs(), 2000);
    pace.took(1500);
    t.true(pace.waited(1500), 'window not over yet');
    t.is(pace.remainingMs(), 500);
    pace.took(500);
    t.true(pace.waited(500), '2000 bytes in 2000 ms: exactly the minimum');
    t.is(pace.remainingMs(), 2000, 'a new window');
    pace.took(1999);
    t.false(pace.waited(2000), 'one byte short');
});
test('bytes taken without waiting count for the window; a stopped requester fails the next one', (t) => {
    const pace = new UploadPace(1000, 1000);
    pace.took(4 << 20); // socket buffers filled at once
    t.true(pace.waited(1000));
    t.false(pace.waited(1000));
});
test('no minimum: never cut, no deadline', (t) => {
    for (const pace of [new UploadPace(0, 1000), new UploadPace(1000, 0)]) {
        t.false(pace.enforced);
        t.is(pace.remainingMs(), Infinity);
        t.true(pace.waited(1e9));
    }
});
//# sourceMappingURL=upload-pace.test.js.map