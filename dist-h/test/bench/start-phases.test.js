import test from 'ava';
import { firstBlobGet, goDurationMs, mountedAt, registryRequests } from '../../bench/start-phases.js';
const BLOB_A = `sha256:${'a'.repeat(64)}`;
const BLOB_B = `sha256:${'b'.repeat(64)}`;
function registryLine(time, method, uri, duration) {
    return (`time="${time}" level=info msg="response completed" go.version=go1.19.8 http.request.host="10.9.0.6:5000" ` +
        `http.request.id=5c0 http.request.method=${method} http.request.remoteaddr="10.9.0.1:41000" http.request.uri="${uri}" ` +
        `http.request.useragent="darner/0.1.0" http.response.contenttype="application/octet-stream" http.response.duration=${duration} ` +
        `http.response.status=206 http.response.written=4096`);
}
test('Go durations in ms', (t) => {
    t.is(goDurationMs('12.5ms'), 12.5);
    t.is(goDurationMs('2m3.5s'), 123_500);
    t.is(goDurationMs('750µs'), 0.75);
    t.true(Number.isNaN(goDurationMs('12.5')));
    t.true(Number.isNaN(goDurationMs('5ms and more')));
});
test('a registry request arrived its duration before the log line; only response lines count', (t) => {
    const log = [
        'time="2026-12-07T15:40:01.000Z" level=info msg="listening on 10.9.0.6:5000"',
        registryLine('2026-12-07T15:40:01.250Z', 'GET', `/v2/bench/python/blobs/${BLOB_A}`, '50ms'),
        '10.9.0.1 - - [07/Dec/2026:15:40:01 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "darner/0.1.0"',
    ].join('\n');
    const requests = registryRequests(log);
    t.is(requests.length, 1);
    t.is(requests[0].at, Date.parse('2026-12-07T15:40:01.200Z'));
    t.is(requests[0].done, Date.parse('2026-12-07T15:40:01.250Z'));
    t.is(requests[0].uri, `/v2/bench/python/blobs/${BLOB_A}`);
    t.is(requests[0].status, 206);
    t.is(requests[0].bytes, 4096);
});
test('the first data request is the earliest GET of one of the given blobs since the start', (t) => {
    const requests = registryRequests([
        registryLine('2026-12-07T15:40:00.500Z', 'GET', `/v2/bench/python/blobs/${BLOB_A}`, '1ms'), // an earlier run
        registryLine('2026-12-07T15:40:02.000Z', 'GET', `/v2/bench/python/blobs/${BLOB_B}`, '1ms'), // not a data blob
        registryLine('2026-12-07T15:40:02.100Z', 'HEAD', `/v2/bench/python/blobs/${BLOB_A}`, '1ms'),
        registryLine('2026-12-07T15:40:03.000Z', 'GET', `/v2/bench/python/blobs/${BLOB_A}`, '2s'), // arrived at 01.000, before the start
        registryLine('2026-12-07T15:40:03.000Z', 'GET', `/v2/bench/python/blobs/${BLOB_A}`, '500ms'),
        registryLine('2026-12-07T15:40:02.900Z', 'GET', `/v2/bench/python/blobs/${BLOB_A}`, '100ms'),
    ].join('\n'));
    const since = Date.parse('2026-12-07T15:40:01.500Z');
    t.is(firstBlobGet(requests, new Set([BLOB_A]), since), Date.parse('2026-12-07T15:40:02.500Z'));
    t.is(firstBlobGet(requests, new Set([`sha256:${'c'.repeat(64)}`]), since), undefined);
});
test('the mount time is the first `image mounted` line of the snapshotter since the start', (t) => {
    const log = [
        JSON.stringify({ level: 30, time: 1000, msg: 'image mounted' }),
        'not json "image mounted"',
        JSON.stringify({ level: 30, time: 2500, msg: 'pulled' }),
        JSON.stringify({ level: 30, time: 3000, msg: 'image mounted' }),
        JSON.stringify({ level: 30, time: 4000, msg: 'image mounted' }),
    ].join('\n');
    t.is(mountedAt(log, 2000), 3000);
    t.is(mountedAt(log, 5000), undefined);
});
//# sourceMappingURL=start-phases.test.js.map