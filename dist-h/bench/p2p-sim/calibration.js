import { originOnlyBehaviour } from './behaviour.js';
import { starBehaviour } from './star.js';
import { Simulation } from './model.js';
import { MiB, SCALE_DEFAULTS } from './params.js';
export const MEASURED = [
    { nodes: 1, p2p: true, seconds: [22.3, 21.6], originRatio: [1.0, 1.0] },
    { nodes: 4, p2p: true, seconds: [30.0, 28.7], originRatio: [1.0, 1.0] },
    { nodes: 16, p2p: true, seconds: [105.5, 104.7], originRatio: [1.0, 1.08] },
    { nodes: 1, p2p: false, seconds: [21.0, 21.7], originRatio: [1.0, 1.0] },
    { nodes: 4, p2p: false, seconds: [75.1, 75.4], originRatio: [4.0, 4.0] },
    { nodes: 16, p2p: false, seconds: [283.2, 285.0], originRatio: [16.0, 16.0] },
];
/** The values fitCalibration gave (bench:p2p-sim prints them; the tests check they still fit). */
export const CALIBRATION = { originMbit: 78.3, machineMbit: 1139.5 };
/** bench:p2p's setting for N daemons under a calibration. */
export function benchP2pParams(nodes, c, seed = 1) {
    const share = c.machineMbit / nodes;
    return {
        ...SCALE_DEFAULTS,
        nodes,
        imageBytes: 200 * MiB,
        // A request of the 4 MiB sequential read-ahead (4 chunks) is the unit, two in flight.
        pieceBytes: 4 * MiB,
        window: 2,
        nodeUpMbit: share,
        nodeDownMbit: share,
        originMbit: c.originMbit,
        originRttMs: 20,
        peerRttMs: 1,
        schedulerRttMs: 1,
        // Two fdatasyncs on the scratch ext4.
        commitMs: 10,
        // `cat` on every node started at once by the benchmark.
        arrivalSpreadMs: 50,
        seed,
    };
}
export async function simulateBench(nodes, p2p, c, seed = 1) {
    const behaviour = p2p ? starBehaviour : originOnlyBehaviour;
    return new Simulation(benchP2pParams(nodes, c, seed), behaviour).run();
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
function measured(nodes, p2p) {
    const m = MEASURED.find((x) => x.nodes === nodes && x.p2p === p2p);
    if (m === undefined)
        throw new Error(`no measurement for ${nodes} nodes`);
    return m;
}
/** Bisection of a parameter whose increase shortens the simulated time. */
async function fit(target, lo, hi, time) {
    for (let i = 0; i < 14; i++) {
        const mid = (lo + hi) / 2;
        if ((await time(mid)) > target)
            lo = mid;
        else
            hi = mid;
    }
    return Math.round(((lo + hi) / 2) * 10) / 10;
}
export async function fitCalibration() {
    const start = CALIBRATION;
    const originMbit = await fit(mean(measured(1, true).seconds) * 1000, 10, 200, async (x) => (await simulateBench(1, true, { ...start, originMbit: x })).timeMs);
    const machineMbit = await fit(mean(measured(16, true).seconds) * 1000, 20, 4000, async (x) => (await simulateBench(16, true, { originMbit, machineMbit: x })).timeMs);
    return { originMbit, machineMbit };
}
/** Every measured run against the simulator's prediction (errors relative to the measured mean). */
export async function compareWithBench(c, seed = 1) {
    const out = [];
    for (const m of MEASURED) {
        const sim = await simulateBench(m.nodes, m.p2p, c, seed);
        const seconds = mean(m.seconds);
        const origin = mean(m.originRatio);
        out.push({
            nodes: m.nodes,
            p2p: m.p2p,
            fitted: m.p2p && (m.nodes === 1 || m.nodes === 16),
            measuredSeconds: seconds,
            simulatedSeconds: sim.timeMs / 1000,
            timeError: sim.timeMs / 1000 / seconds - 1,
            measuredOriginRatio: origin,
            simulatedOriginRatio: sim.originRatio,
            originError: sim.originRatio / origin - 1,
        });
    }
    return out;
}
//# sourceMappingURL=calibration.js.map