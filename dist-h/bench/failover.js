/**
 * bench:failover — how long a reader of an erofs-mode mount waits while the daemon is replaced
 * (docs/failover.md): a crash restart (SIGKILL, then a new `darner daemon` started at once, as a
 * supervisor with no restart delay would) and a live upgrade (`darner daemon --takeover`).
 *
 * Each try drops the page cache, interrupts the daemon and, at the moment the old daemon is gone
 * (the SIGKILL; for an upgrade, the old process's exit), reads one 1 MiB file in another process
 * (`sha256sum`, checked). Stall = that read's completion minus that moment. "cached": a file read
 * before (its bytes in the daemon's cache); "uncached": a file never read, fetched from a local
 * registry after the takeover. Targets: ≤ 3 s for a crash restart including process start, ≤ 1 s
 * for an upgrade.
 *
 *   npm run bench:failover            (TRIES=20 by default)
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startDaemonProcess } from '../test/harness/daemon.js';
import { pseudoRandomBytes } from '../test/harness/layer-tar.js';
import { startRegistry } from '../test/harness/registry.js';
import { publishImage } from '../test/harness/rich-image.js';
import { Teardown, dropCaches, median, runCommand } from './lib.js';
import { printTable, writeResults } from './report.js';
const TRIES = Number(process.env.TRIES ?? 20);
const FILE_BYTES = 1 << 20;
const CONFIG = '[fetch]\nsequential_read_ahead = 0\n[fuse]\nmode = "erofs"';
async function main(teardown) {
    const registry = await startRegistry();
    teardown.add('registry', () => registry.stop());
    // One file per layer (blob): the kernel's readahead over one never fetches another.
    const cold = Array.from({ length: 2 * TRIES }, (_, i) => pseudoRandomBytes(FILE_BYTES, 1000 + i));
    const hot = pseudoRandomBytes(FILE_BYTES, 999);
    const layers = [[{ type: 'file', path: 'hot', data: hot }], ...cold.map((data, i) => [{ type: 'file', path: `cold-${i}`, data }])];
    const image = await publishImage(registry.host, 'bench-failover', layers);
    let daemon = await startDaemonProcess({ configToml: CONFIG });
    teardown.add('daemon', () => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'img');
    const { mount } = await daemon.client.mount({ reference: image.darnerRef, mountpoint: mnt });
    if (mount.mode !== 'erofs')
        throw new Error(`mounted in ${mount.mode} mode; the bench needs erofs`);
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    const read = async (name, data) => {
        const { stdout } = await runCommand('sha256sum', [join(mnt, name)], { timeoutMs: 120_000 });
        if (stdout.split(' ')[0] !== sha(data))
            throw new Error(`${name}: wrong bytes`);
    };
    await read('hot', hot);
    const stalls = { restart: { cached: [], uncached: [] }, upgrade: { cached: [], uncached: [] } };
    let next = 0;
    for (const kind of ['restart', 'upgrade']) {
        for (let i = 0; i < TRIES; i++) {
            for (const which of ['cached', 'uncached']) {
                const [name, data] = which === 'cached' ? ['hot', hot] : [`cold-${next}`, cold[next++]];
                await dropCaches();
                const old = daemon;
                let gone;
                let starting;
                if (kind === 'restart') {
                    gone = performance.now();
                    old.child.kill('SIGKILL');
                    starting = startDaemonProcess({ dir: old.dir, configToml: CONFIG });
                }
                else {
                    starting = startDaemonProcess({ dir: old.dir, configToml: CONFIG, args: ['--takeover'] });
                    await old.exited;
                    gone = performance.now();
                }
                const reading = read(name, data).then(() => performance.now() - gone);
                daemon = await starting;
                if (daemon.status.failover?.taken !== 1)
                    throw new Error(`${kind} ${i}: the mount was not taken over: ${JSON.stringify(daemon.status.failover)}`);
                stalls[kind][which].push(await reading);
                await old.exited;
            }
        }
        process.stderr.write(`${kind}: ${TRIES} tries done\n`);
    }
    const rows = ['restart', 'upgrade'].flatMap((kind) => ['cached', 'uncached'].map((which) => {
        const v = stalls[kind][which];
        return [kind, which, `${median(v).toFixed(0)} ms`, `${Math.max(...v).toFixed(0)} ms`, String(v.length)];
    }));
    printTable(['interruption', 'read', 'median stall', 'max stall', 'tries'], rows);
    const file = writeResults('failover', { tries: TRIES, fileBytes: FILE_BYTES, stallsMs: stalls });
    process.stdout.write(`results: ${file}\n`);
}
const teardown = new Teardown();
void teardown.run(() => main(teardown));
//# sourceMappingURL=failover.js.map