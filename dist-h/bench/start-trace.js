/**
 * The trace-optimized image of bench:start (docs/optimize.md): the workload runs once, chrooted
 * into a recording FUSE mount of the default conversion (through the registry's unshaped seed
 * address: recording is preparation, not timed), and the OCI image is converted again with that
 * trace.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAccessTrace } from '../src/format/access-trace.js';
import { startDaemonProcess } from '../test/harness/daemon.js';
import { runCommand } from './lib.js';
import { convertBenchImage } from './start-images.js';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export async function prepareTracedImage(image, reg, seed, work) {
    const dir = join(work, `${image.name}-record`);
    mkdirSync(dir, { mode: 0o755 });
    mkdirSync(join(dir, 'daemon'), { mode: 0o755 });
    const daemon = await startDaemonProcess({ dir: join(dir, 'daemon') });
    const traceFile = join(dir, 'workload.trace');
    try {
        const { mount } = await daemon.client.mount({ reference: `${seed}/bench/${image.name}:darner`, mountpoint: join(daemon.mountRoot, 'record'), record: traceFile });
        try {
            const ran = await runCommand('chroot', [mount.mountpoint, ...image.command], { env: { PATH }, timeoutMs: 600_000 });
            if (ran.stdout !== image.expect)
                throw new Error(`recording ${image.name}: the workload printed ${JSON.stringify(ran.stdout)}`);
        }
        finally {
            await daemon.client.unmount(mount.id);
        }
    }
    finally {
        await daemon.cleanup();
    }
    const trace = parseAccessTrace(await readFile(traceFile, 'utf8'));
    const converted = await convertBenchImage(image, reg, seed, 'darner-traced', work, trace);
    const readBytes = trace.files.reduce((n, f) => n + f.ranges.reduce((m, [start, end]) => m + (end - start), 0), 0);
    return { ...converted, tracedFiles: trace.files.length, readBytes };
}
//# sourceMappingURL=start-trace.js.map