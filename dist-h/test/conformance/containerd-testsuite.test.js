/**
 * containerd's snapshotter conformance suite (snapshots/testsuite of the containerd version in
 * go.mod) against `darner snapshotter`, one ava test per case of the suite. The Go test program
 * beside this file (snapshotter_test.go) starts a snapshotter per case and talks to it through
 * containerd's proxy client. It is compiled with `go test -c` once per content of its sources
 * and the Go version, into the test cache directory; its modules come from the Go module proxy
 * (.ci/setup downloads them).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TEST_CACHE_DIR } from '../harness/test-cache.js';
import { findTool } from '../harness/toolchain.js';
const run = promisify(execFile);
const SOURCE_DIR = fileURLToPath(new URL('../../../test/conformance/', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Cases running at once: each is a snapshotter process (node) and the suite's mounts. */
const PARALLEL = 4;
const RUN_TIMEOUT_MS = 20 * 60_000;
/** The cases of containerd v1.7.13's snapshots/testsuite, in its order (names as it spells them). */
const CASES = [
    'Basic',
    'StatActive',
    'StatComitted',
    'TransitivityTest',
    'PreareViewFailingtest',
    'Update',
    'Remove',
    'Walk',
    'LayerFileupdate',
    'RemoveDirectoryInLowerLayer',
    'Chown',
    'DirectoryPermissionOnCommit',
    'RemoveIntermediateSnapshot',
    'DeletedFilesInChildSnapshot',
    'MoveFileFromLowerLayer',
    'ViewReadonly',
    'StatInWalk',
    'CloseTwice',
    'RootPermission',
    'Rename',
    '128LayersMount',
];
/** The compiled test program, built when its sources or the Go version changed. */
async function testBinary(go) {
    const { stdout: version } = await run(go, ['version']);
    const hash = createHash('sha256').update(version);
    for (const name of readdirSync(SOURCE_DIR).filter((n) => /\.go$|^go\.(mod|sum)$/.test(n)).sort()) {
        hash.update(name).update(readFileSync(join(SOURCE_DIR, name)));
    }
    const dir = join(TEST_CACHE_DIR, 'conformance');
    const binary = join(dir, `snapshotter-${hash.digest('hex').slice(0, 16)}.test`);
    if (existsSync(binary))
        return binary;
    mkdirSync(dir, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await run(go, ['test', '-mod=readonly', '-c', '-o', partial, '.'], { cwd: SOURCE_DIR, maxBuffer: 16 << 20, timeout: RUN_TIMEOUT_MS });
    renameSync(partial, binary);
    return binary;
}
function parse(text) {
    const results = new Map();
    const output = new Map();
    let current;
    for (const line of text.split('\n')) {
        const section = /^=== (?:RUN|CONT|NAME|PAUSE)\s+TestDarnerSnapshotter\/(\S+)/.exec(line);
        const result = /^\s*--- (PASS|FAIL|SKIP): TestDarnerSnapshotter\/(\S+) \(/.exec(line);
        if (section) {
            const name = section[1];
            if (!output.has(name))
                output.set(name, []);
            current = output.get(name);
        }
        else if (result) {
            results.set(result[2], result[1]);
            current = undefined;
        }
        else if (/^(===|---|PASS$|FAIL$|ok |FAIL\s)/.test(line)) {
            current = undefined;
        }
        else {
            current?.push(line);
        }
    }
    return { results, output };
}
async function runSuite() {
    const go = findTool('go');
    if (!go)
        throw new Error('go not found on PATH or in /usr/local/go/bin (.ci/setup installs it)');
    const binary = await testBinary(go);
    const { code, text } = await new Promise((resolve) => {
        execFile(binary, ['-test.v', `-test.parallel=${PARALLEL}`, `-test.timeout=${RUN_TIMEOUT_MS / 1000}s`], { cwd: SOURCE_DIR, maxBuffer: 256 << 20, env: { ...process.env, DARNER_CLI: CLI, DARNER_NODE: process.execPath } }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, text: `${stdout}\n${stderr}` }));
    });
    return { ...parse(text), exitCode: code, tail: text.slice(-6000) };
}
let pending;
/** One run of the whole suite, shared by the tests below; they wait up to RUN_TIMEOUT_MS for it. */
function suite(t) {
    t.timeout(RUN_TIMEOUT_MS + 5 * 60_000);
    pending ??= runSuite();
    return pending;
}
for (const name of CASES) {
    test(`containerd snapshotter conformance: ${name}`, async (t) => {
        const { results, output } = await suite(t);
        const lines = output.get(name) ?? [];
        t.is(results.get(name), 'PASS', lines.join('\n').slice(-4000) || '(no output)');
    });
}
test('containerd snapshotter conformance: the suite ran exactly its known cases and passed', async (t) => {
    const { results, exitCode, tail } = await suite(t);
    t.deepEqual([...results.keys()].sort(), [...CASES].sort(), 'the cases listed here are the cases of the containerd version in go.mod');
    t.is(exitCode, 0, tail);
});
//# sourceMappingURL=containerd-testsuite.test.js.map