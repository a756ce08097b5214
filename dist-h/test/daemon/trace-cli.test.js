/**
 * The access-trace workflow on the command line: `darner mount --record FILE` (a path relative to
 * the working directory), `darner umount` writes the trace, `darner convert --prefetch-trace`
 * uses it; a malformed trace is one line on stderr and a non-zero exit. And the explicit stop
 * (`POST /api/v1/mounts/{id}/trace`) that writes a trace while the mount stays.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DaemonApiError } from '../../src/errors.js';
import { parseAccessTrace } from '../../src/format/access-trace.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
function darner(cwd, ...args) {
    return run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } });
}
test('mount --record, umount, convert --prefetch-trace', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'trace-cli', [
        [
            { type: 'file', path: 'a', data: 'first\n' },
            { type: 'file', path: 'b', data: 'second\n' },
            { type: 'file', path: 'c', data: 'third\n' },
        ],
    ]);
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'rec');
    const mounted = await darner(daemon.dir, 'mount', '--daemon', daemon.socket, '--record', 'app.trace', image.darnerRef, mnt);
    t.regex(mounted.stdout, /^mounted /);
    t.is(await readFile(join(mnt, 'c'), 'utf8'), 'third\n');
    t.is(await readFile(join(mnt, 'a'), 'utf8'), 'first\n');
    await darner(daemon.dir, 'umount', '--daemon', daemon.socket, mnt);
    const traceFile = join(daemon.dir, 'app.trace');
    t.deepEqual(parseAccessTrace(await readFile(traceFile, 'utf8')).files, [
        { path: '/c', ranges: [[0, 6]] },
        { path: '/a', ranges: [[0, 6]] },
    ]);
    const optimized = `${registry.host}/trace-cli:opt`;
    const converted = await darner(daemon.dir, 'convert', '--prefetch-trace', 'app.trace', image.sourceRef, optimized);
    t.regex(converted.stdout, /^converted /);
    const loaded = await loadImageBootstrap(optimized, {});
    await loaded.source.close();
    const names = new Map([...loaded.bootstrap.walk()].map((e) => [e.nid, e.path]));
    t.deepEqual(loaded.bootstrap.prefetchNids.map((nid) => names.get(nid)), ['/c', '/a']);
    t.regex((await darner(daemon.dir, 'check', image.sourceRef, optimized)).stdout, /^identical/m);
    await writeFile(join(daemon.dir, 'bad.trace'), '{"darnerTrace":1}\n{"path":"c"}\n');
    const err = (await t.throwsAsync(darner(daemon.dir, 'convert', '--prefetch-trace', 'bad.trace', image.sourceRef, `${registry.host}/trace-cli:bad`)));
    t.not(err.code, 0);
    t.is(err.stderr.trim().split('\n').length, 1, err.stderr);
    t.regex(err.stderr, /line 2: path must be an absolute path/);
});
test('a recording stopped over the control API is written at once, the mount stays and records no more; shutdown writes it too', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'trace-stop', [
        [
            { type: 'file', path: 'a', data: 'first\n' },
            { type: 'file', path: 'b', data: 'second\n' },
        ],
    ]);
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const traceFile = join(daemon.dir, 'stop.trace');
    const { mount } = await daemon.client.mount({ reference: image.darnerRef, mountpoint: join(daemon.mountRoot, 'stop'), record: traceFile });
    t.is(await readFile(join(mount.mountpoint, 'b'), 'utf8'), 'second\n');
    t.deepEqual(await daemon.client.stopRecording(mount.id), { trace: traceFile, files: 1 });
    const written = await readFile(traceFile, 'utf8');
    t.deepEqual(parseAccessTrace(written).files.map((f) => f.path), ['/b']);
    t.is(await readFile(join(mount.mountpoint, 'a'), 'utf8'), 'first\n', 'the mount stays');
    const again = await t.throwsAsync(daemon.client.stopRecording(mount.id), { instanceOf: DaemonApiError });
    t.is(again?.code, 'NOT_FOUND');
    t.regex(again?.message ?? '', /not recording/);
    t.is((await t.throwsAsync(daemon.client.stopRecording('m-0000000000000000'), { instanceOf: DaemonApiError }))?.code, 'NOT_FOUND');
    await daemon.client.unmount(mount.id);
    t.is(await readFile(traceFile, 'utf8'), written, 'the unmount does not write it again');
    // A daemon shutting down ends the recordings of its mounts too.
    const shutdownTrace = join(daemon.dir, 'shutdown.trace');
    const second = await daemon.client.mount({ reference: image.darnerRef, mountpoint: join(daemon.mountRoot, 'shutdown'), record: shutdownTrace });
    t.is(await readFile(join(second.mount.mountpoint, 'a'), 'utf8'), 'first\n');
    await daemon.stop();
    t.deepEqual(parseAccessTrace(await readFile(shutdownTrace, 'utf8')).files.map((f) => f.path), ['/a']);
});
//# sourceMappingURL=trace-cli.test.js.map