/**
 * The addon's Rust unit tests (`cargo test` in native/), one ava test each, so that the suite's
 * summary counts them. cargo runs once, when this file loads; its build directory is
 * native/target, shared with `npm run build:native` (the test profile builds apart from release).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findTool } from '../harness/toolchain.js';
const MANIFEST = fileURLToPath(new URL('../../../native/Cargo.toml', import.meta.url));
function cargoTest(cargo) {
    return new Promise((resolve) => {
        execFile(cargo, ['test', '--manifest-path', MANIFEST, '--locked', '--', '--test-threads=2'], { maxBuffer: 64 << 20, timeout: 20 * 60_000, env: { ...process.env, CARGO_TERM_COLOR: 'never' } }, (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
            resolve({ code, output: `${stdout}\n${stderr}` });
        });
    });
}
/** `test <name> ... ok|FAILED|ignored` lines of libtest's output. */
function parseResults(output) {
    const results = new Map();
    for (const m of output.matchAll(/^test (\S+) \.\.\. (ok|FAILED|ignored)\b/gm))
        results.set(m[1], m[2]);
    return results;
}
/** What libtest printed for a failed test (its `---- name stdout ----` section). */
function failureOf(output, name) {
    const start = output.indexOf(`---- ${name} stdout ----`);
    if (start < 0)
        return '';
    const end = output.slice(start + 5).search(/^(---- |failures:$)/m);
    return output.slice(start, end < 0 ? undefined : start + 5 + end).trim();
}
/** The totals of every `test result:` line (one per test binary). */
function totals(output) {
    const sum = { passed: 0, failed: 0, ignored: 0 };
    for (const m of output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)) {
        sum.passed += Number(m[1]);
        sum.failed += Number(m[2]);
        sum.ignored += Number(m[3]);
    }
    return sum;
}
const cargo = findTool('cargo');
const run = cargo ? await cargoTest(cargo) : undefined;
const results = run ? parseResults(run.output) : new Map();
for (const [name, status] of results) {
    const title = `rust › ${name}`;
    if (status === 'ignored')
        test.skip(title, () => { });
    else {
        test(title, (t) => {
            if (status !== 'ok')
                t.fail(failureOf(run.output, name) || `${name} failed`);
            else
                t.pass();
        });
    }
}
test('cargo test ran, found tests and exited cleanly', (t) => {
    if (!cargo || !run)
        return t.fail('cargo not found on PATH or in ~/.cargo/bin (.ci/setup installs it)');
    const sum = totals(run.output);
    t.true(results.size > 0, `no test results in cargo's output:\n${run.output.slice(-4000)}`);
    t.is(results.size, sum.passed + sum.failed + sum.ignored, 'every test libtest counted was reported by name');
    t.is(run.code, 0, run.code === 0 ? '' : run.output.slice(-4000));
});
//# sourceMappingURL=rust-unit.test.js.map