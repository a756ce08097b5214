/**
 * `node dist/bench/start-timeline.js`: one cold start per system of bench:start (START_SYSTEMS,
 * default darner; START_IMAGES, default python), printed as a timeline instead of medians: each
 * registry request (method, what, bytes) and each log line of the darner snapshotter and daemon
 * at or above info, in ms from the first registry request of the pull; for each request, how
 * long the registry took to write its answer and how many were open at once. For finding the serial
 * waits of a start; not a benchmark (one run, no overlayfs beside it). START_DAEMON_LOG_LEVEL=debug
 * adds the daemon's stages of each cold read (blob device read forwarded / answered, fetch range
 * started / first bytes / last bytes / verified / stored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createScratchFs, startShapedRegistry } from '../test/harness/network.js';
import { Teardown } from './lib.js';
import { prepareImage } from './start-images.js';
import { registryRequests } from './start-phases.js';
import { SYSTEMS, coldStart } from './start-run.js';
import { prepareTracedImage } from './start-trace.js';
function logEvents(who, text, since) {
    const out = [];
    for (const line of text.split('\n')) {
        let entry;
        try {
            entry = JSON.parse(line);
        }
        catch {
            continue;
        }
        if (typeof entry.time !== 'number' || entry.time < since)
            continue;
        const { time, msg, level, pid: _pid, hostname: _hostname, ...rest } = entry;
        out.push({ at: time, who, what: `${String(msg)} ${JSON.stringify(rest).slice(0, 220)}${Number(level) >= 40 ? ' [WARN+]' : ''}` });
    }
    return out;
}
function shortUri(uri) {
    return uri.replace(/sha256:([0-9a-f]{10})[0-9a-f]{54}/g, '$1').replace(/^\/v2\//, '');
}
/** How many requests (this one included) the registry was answering when `r` arrived. */
function inFlight(requests, r) {
    return requests.filter((o) => o.at <= r.at && o.done >= r.at).length;
}
async function main(teardown) {
    const systems = (process.env.START_SYSTEMS ?? 'darner').split(',').filter((s) => SYSTEMS.includes(s));
    const scratch = await createScratchFs({ sizeGiB: 16 });
    teardown.add('scratch fs', () => scratch.destroy());
    const reg = await startShapedRegistry({ rateMbit: 100, delayMs: 10 });
    teardown.add('shaped registry', () => reg.stop());
    const seed = await reg.seedHost();
    const work = join(scratch.dir, 'work');
    mkdirSync(work);
    for (const name of (process.env.START_IMAGES ?? 'python').split(',')) {
        const image = await prepareImage(name, reg, seed, work);
        const traced = systems.includes('darner-traced') ? await prepareTracedImage(image, reg, seed, work) : undefined;
        for (const system of systems) {
            const before = Date.now();
            const m = await coldStart(system, image, traced, reg, join(scratch.dir, `${name}-${system}`), teardown, { daemonToml: process.env.START_DAEMON_TOML ?? '', dropCaches: true, daemonLogLevel: process.env.START_DAEMON_LOG_LEVEL ?? 'info' }, async (context) => {
                const requests = registryRequests(reg.registry.logs).filter((r) => r.at >= before);
                const origin = Math.min(...requests.map((r) => r.at));
                const events = [
                    ...requests.map((r) => ({ at: r.at, who: 'registry', what: `${r.method} ${shortUri(r.uri)} ${r.status} ${r.bytes} B, answered in ${Math.round(r.done - r.at)} ms, ${inFlight(requests, r)} in flight` })),
                    ...logEvents('snapshotter', context.snapshotter?.logs() ?? '', origin - 2000),
                    ...logEvents('daemon', context.daemon?.logs ?? '', origin - 2000),
                ].sort((a, b) => a.at - b.at);
                process.stdout.write(`\n== ${name} ${system}\n`);
                for (const e of events)
                    process.stdout.write(`${String(e.at - origin).padStart(6)} ms  ${e.who.padEnd(11)} ${e.what}\n`);
            });
            process.stdout.write(`${name} ${system}: ${JSON.stringify(m)}\n`);
        }
    }
}
const teardown = new Teardown();
void teardown.run(() => main(teardown));
//# sourceMappingURL=start-timeline.js.map