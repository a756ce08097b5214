/**
 * Calibration against bench:p2p (bench/p2p.ts; its runs A and B in docs/p2p.md): 200 MiB of
 * 1 MiB chunks read by N daemons on one two-core machine, the registry behind a 100 Mbit/s,
 * 10 ms link, the daemons' own network unshaped.
 *
 * Two parameters are fitted, each on runs the other does not touch, and the 4-node runs are
 * left out of the fit so that they measure the error:
 * - the origin's goodput (Mbit/s), on the 1-node P2P runs (one reader, the link alone);
 * - the machine's throughput through all daemons together (Mbit/s), on the 16-node P2P runs:
 *   the daemons share two cores, so each of N daemons moves at most 1/N of it (up and down).
 *   Their peers' link is otherwise unshaped.
 */
import type { PeerBehaviour } from './behaviour.js';
import { originOnlyBehaviour } from './behaviour.js';
import { starBehaviour } from './star.js';
import { Simulation, type SimResult } from './model.js';
import { MiB, SCALE_DEFAULTS, type SimParams } from './params.js';

/** bench:p2p's measured runs (docs/p2p.md): seconds and origin bytes / data. */
export interface Measured {
  nodes: number;
  p2p: boolean;
  seconds: number[];
  originRatio: number[];
}

export const MEASURED: readonly Measured[] = [
  { nodes: 1, p2p: true, seconds: [22.3, 21.6], originRatio: [1.0, 1.0] },
  { nodes: 4, p2p: true, seconds: [30.0, 28.7], originRatio: [1.0, 1.0] },
  { nodes: 16, p2p: true, seconds: [105.5, 104.7], originRatio: [1.0, 1.08] },
  { nodes: 1, p2p: false, seconds: [21.0, 21.7], originRatio: [1.0, 1.0] },
  { nodes: 4, p2p: false, seconds: [75.1, 75.4], originRatio: [4.0, 4.0] },
  { nodes: 16, p2p: false, seconds: [283.2, 285.0], originRatio: [16.0, 16.0] },
];

export interface Calibration {
  /** The origin link's goodput as one reader sees it. */
  originMbit: number;
  /** Everything the daemons on the machine move per second, together. */
  machineMbit: number;
}

/** The values fitCalibration gave (bench:p2p-sim prints them; the tests check they still fit). */
export const CALIBRATION: Calibration = { originMbit: 78.3, machineMbit: 1139.5 };

/** bench:p2p's setting for N daemons under a calibration. */
export function benchP2pParams(nodes: number, c: Calibration, seed = 1): SimParams {
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

export async function simulateBench(nodes: number, p2p: boolean, c: Calibration, seed = 1): Promise<SimResult> {
  const behaviour: PeerBehaviour = p2p ? starBehaviour : originOnlyBehaviour;
  return new Simulation(benchP2pParams(nodes, c, seed), behaviour).run();
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function measured(nodes: number, p2p: boolean): Measured {
  const m = MEASURED.find((x) => x.nodes === nodes && x.p2p === p2p);
  if (m === undefined) throw new Error(`no measurement for ${nodes} nodes`);
  return m;
}

/** Bisection of a parameter whose increase shortens the simulated time. */
async function fit(target: number, lo: number, hi: number, time: (x: number) => Promise<number>): Promise<number> {
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2;
    if ((await time(mid)) > target) lo = mid;
    else hi = mid;
  }
  return Math.round(((lo + hi) / 2) * 10) / 10;
}

export async function fitCalibration(): Promise<Calibration> {
  const start = CALIBRATION;
  const originMbit = await fit(mean(measured(1, true).seconds) * 1000, 10, 200, async (x) => (await simulateBench(1, true, { ...start, originMbit: x })).timeMs);
  const machineMbit = await fit(mean(measured(16, true).seconds) * 1000, 20, 4000, async (x) => (await simulateBench(16, true, { originMbit, machineMbit: x })).timeMs);
  return { originMbit, machineMbit };
}

export interface Comparison {
  nodes: number;
  p2p: boolean;
  /** Used to fit a parameter (its error says how well the fit closed, not how well it predicts). */
  fitted: boolean;
  measuredSeconds: number;
  simulatedSeconds: number;
  timeError: number;
  measuredOriginRatio: number;
  simulatedOriginRatio: number;
  originError: number;
}

/** Every measured run against the simulator's prediction (errors relative to the measured mean). */
export async function compareWithBench(c: Calibration, seed = 1): Promise<Comparison[]> {
  const out: Comparison[] = [];
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
