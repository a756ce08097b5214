import test from 'ava';
import { MalformedTraceError } from '../../src/errors.js';
import { MAX_TRACE_BYTES, MAX_TRACE_RANGES, formatAccessTrace, parseAccessTrace } from '../../src/format/access-trace.js';
import { TraceRecorder, mergeRanges } from '../../src/fs/trace-recorder.js';
const HEADER = '{"darnerTrace":1}';
test('a trace survives formatting and parsing, order and ranges included', (t) => {
    const trace = {
        reference: 'registry.example/app:1',
        bootstrapDigest: 'ab'.repeat(32),
        files: [
            { path: '/usr/bin/z', ranges: [[0, 4096]] },
            { path: '/etc/a', ranges: [] },
            { path: '/lib/ünïcode name', ranges: [[0, 10], [8192, 12288]] },
        ],
    };
    const text = formatAccessTrace(trace);
    t.is(text.split('\n').length, 5, 'a header, one line per file, a final newline');
    t.deepEqual(parseAccessTrace(text), trace);
});
test('hand edits are allowed: blank lines, unknown fields, no ranges, a path twice keeps its first place', (t) => {
    const text = [HEADER, '', '{"path":"/b","note":"x"}', '{"path":"/a","ranges":[[5,6]]}', '{"path":"/b","ranges":[[0,1]]}', ''].join('\n');
    t.deepEqual(parseAccessTrace(text).files, [
        { path: '/b', ranges: [] },
        { path: '/a', ranges: [[5, 6]] },
    ]);
});
test('malformed traces are refused with the line that breaks a rule', (t) => {
    const bad = [
        ['', /empty/],
        ['{"path":"/a"}', /line 1: not a darner access trace of version 1/],
        ['{"darnerTrace":2}', /version 1/],
        [`${HEADER}\nnot json`, /line 2: not JSON/],
        [`${HEADER}\n[1,2]`, /line 2: not a JSON object/],
        [`${HEADER}\n{"path":"relative"}`, /line 2: path must be an absolute path/],
        [`${HEADER}\n{"path":5}`, /absolute path/],
        [`${HEADER}\n{"path":"/a\\u0000b"}`, /NUL/],
        [`${HEADER}\n{"path":"/${'x'.repeat(5000)}"}`, /longer than/],
        [`${HEADER}\n{"path":"/a","ranges":{}}`, /array of \[start, end\] pairs/],
        [`${HEADER}\n{"path":"/a","ranges":[[4,4]]}`, /0 <= start < end/],
        [`${HEADER}\n{"path":"/a","ranges":[[-1,4]]}`, /0 <= start < end/],
        [`${HEADER}\n{"path":"/a","ranges":[[0,1.5]]}`, /0 <= start < end/],
        [`${HEADER}\n{"path":"/a","ranges":[[0,1e300]]}`, /0 <= start < end/],
        [`${HEADER}\n{"path":"/a","ranges":[[0,1,2]]}`, /0 <= start < end/],
        [`${HEADER}\n{"path":"/a","ranges":[${Array.from({ length: MAX_TRACE_RANGES + 1 }, (_, i) => `[${i},${i + 1}]`).join(',')}]}`, /more than/],
    ];
    for (const [text, message] of bad) {
        const err = t.throws(() => parseAccessTrace(text), { instanceOf: MalformedTraceError }, JSON.stringify(text.slice(0, 60)));
        t.is(err?.code, 'MALFORMED_TRACE');
        t.regex(err?.message ?? '', message);
    }
    t.throws(() => parseAccessTrace(`${HEADER}\n${' '.repeat(MAX_TRACE_BYTES)}`), { instanceOf: MalformedTraceError, message: /larger than/ });
});
test('the recorder keeps first-read order and merges the ranges of each file', (t) => {
    const r = new TraceRecorder();
    r.read('/b', 4096, 4096);
    r.read('/a', 0, 100);
    r.read('/b', 0, 4096);
    r.read('/b', 16384, 10);
    r.read('/a', 50, 100);
    r.read('/c', 0, 0);
    for (let i = 0; i < 3000; i++)
        r.read('/d', i * 10, 10);
    r.stop();
    r.read('/e', 0, 1);
    t.deepEqual(r.trace({ reference: 'x' }), {
        reference: 'x',
        files: [
            { path: '/b', ranges: [[0, 8192], [16384, 16394]] },
            { path: '/a', ranges: [[0, 150]] },
            { path: '/d', ranges: [[0, 30000]] },
        ],
    });
    t.deepEqual(mergeRanges([[10, 20], [0, 5], [5, 7], [15, 30], [40, 41]]), [[0, 7], [10, 30], [40, 41]]);
});
//# sourceMappingURL=access-trace.test.js.map