/**
 * `npm run bench:p2p-sim`: the P2P scale simulator (bench/p2p-sim/: the real scheduler decision
 * code over a discrete-event network model) on the scenarios — N = 16, 100, 1000 nodes,
 * 1 Gbit/s per node and at the origin, a 1 GiB image read whole, all starting within 1 s —
 * for the earlier protocols ("star", scheduling.cascade_fanout = 0; "cascade f2": cascade_fanout
 * = 2, relays serving from memory; both reading in order, a peer's load counted until its next
 * heartbeat) and today's ("cascade f2 rotated": bulk reads from per-node starts,
 * src/p2p/read-order.ts, and hand-outs released when their transfer is reported), plus a run
 * with dead and bad peers; then its calibration against bench:p2p's measured runs, and the scheduler's capacity
 * (bench/scheduler-capacity.ts) against the 1000-node wave's Resolve rate.
 *
 * Writes bench/results/p2p-sim.json: {"runs": [{"nodes", "protocol", "originRatio", "timeRatio",
 * …}], "calibration": …, "scheduler": …}. Targets: originRatio <= 1.05 at every N, timeRatio <= 1.5
 * at N = 1000.
 *
 * Environment: DARNER_BENCH_P2P_SIM_NODES (default "16,100,1000"), DARNER_BENCH_P2P_SIM_SEED (1),
 * DARNER_BENCH_P2P_SIM_SKIP ("calibration", "scheduler", comma-separated: leave those parts out),
 * DARNER_BENCH_P2P_SIM_PROTOCOLS (comma-separated protocol names, default all: "star",
 * "cascade f2", "cascade f2 rotated").
 */
import type { PeerBehaviour } from './p2p-sim/behaviour.js';
import { CALIBRATION, compareWithBench, fitCalibration } from './p2p-sim/calibration.js';
import { cascadeBehaviour } from './p2p-sim/cascade.js';
import { Simulation, type SimResult } from './p2p-sim/model.js';
import { GiB, scaleParams, type SimParams } from './p2p-sim/params.js';
import { starBehaviour } from './p2p-sim/star.js';
import { measureCapacity } from './scheduler-capacity.js';
import { printTable, writeResults } from './report.js';

const NODES = (process.env.DARNER_BENCH_P2P_SIM_NODES ?? '16,100,1000').split(',').map(Number);
const SEED = Number(process.env.DARNER_BENCH_P2P_SIM_SEED ?? 1);
const SKIP = new Set((process.env.DARNER_BENCH_P2P_SIM_SKIP ?? '').split(',').filter(Boolean));
// The earlier protocols (star, cascade f2) and today's (cascade f2 rotated) in one table.
const ALL_PROTOCOLS: PeerBehaviour[] = [starBehaviour, cascadeBehaviour(2, { loadUntilHeartbeat: true }), cascadeBehaviour(2, { rotated: true })];
const WANTED = process.env.DARNER_BENCH_P2P_SIM_PROTOCOLS?.split(',').map((s) => s.trim()).filter(Boolean);
const PROTOCOLS = WANTED === undefined ? ALL_PROTOCOLS : ALL_PROTOCOLS.filter((b) => WANTED.includes(b.protocol));

interface Run extends SimResult {
  scenario: string;
  timeRatio: number;
  oneNodeSeconds: number;
  seconds: number;
  meanResolvesPerSecond: number;
  wallSeconds: number;
}

async function simulate(params: SimParams, behaviour: PeerBehaviour, scenario: string, oneNodeMs: number): Promise<Run> {
  const started = process.hrtime.bigint();
  const r = await new Simulation(params, behaviour).run();
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write(`${scenario} ${r.nodes} ${r.protocol}: ${(r.timeMs / 1000).toFixed(1)} s, origin ${r.originRatio.toFixed(2)}x (${wallSeconds.toFixed(1)} s to simulate)\n`);
  return {
    ...r, scenario, timeRatio: r.timeMs / oneNodeMs, oneNodeSeconds: oneNodeMs / 1000, seconds: r.timeMs / 1000,
    meanResolvesPerSecond: r.resolves / (r.timeMs / 1000), wallSeconds,
  };
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  const oneNode = await new Simulation(scaleParams(1, { seed: SEED }), starBehaviour).run();
  for (const nodes of NODES) {
    for (const behaviour of PROTOCOLS) runs.push(await simulate(scaleParams(nodes, { seed: SEED }), behaviour, 'cold wave', oneNode.timeMs));
  }
  // Faults: 5 % of the nodes die 3 s in, 2 nodes serve bad bytes.
  const faultNodes = Math.min(100, Math.max(...NODES));
  for (const behaviour of PROTOCOLS) {
    const params = scaleParams(faultNodes, { seed: SEED, failedNodes: Math.ceil(faultNodes / 20), failAtMs: 3000, badNodes: 2 });
    runs.push(await simulate(params, behaviour, 'faults', oneNode.timeMs));
  }
  printTable(
    ['scenario', 'protocol', 'nodes', 'time s', 'time / 1 node', 'origin x data', 'peer GiB', 'max upload GiB/node', 'resolves', 'resolves/s peak', 'parent failures', 'busy waits', 'bad data', 'dead'],
    runs.map((r) => [
      r.scenario, r.protocol, String(r.nodes), r.seconds.toFixed(1), r.timeRatio.toFixed(2), r.originRatio.toFixed(3),
      (r.peerBytes / GiB).toFixed(0), (r.maxUploadBytesPerNode / GiB).toFixed(1), String(r.resolves), String(r.peakResolvesPerSecond),
      String(r.parentFailures), String(r.busyWaits), String(r.badDataReports), String(r.deadNodes),
    ]),
  );
  // Where the time goes: each phase's share of a node's in-flight request slots (bench/p2p-sim/model.ts).
  process.stdout.write('\nrequest time per in-flight slot (s): asking the scheduler, reaching parents, held at a parent, sleeping after busy parents, origin, peer transfers at full link rate / the rest (shared links)\n');
  printTable(
    ['scenario', 'protocol', 'nodes', 'resolve', 'contact', 'held', 'busy sleep', 'origin', 'peer full rate', 'peer shared rate'],
    runs.map((r) => [
      r.scenario, r.protocol, String(r.nodes), ...(['resolve', 'contact', 'held', 'busySleep', 'origin', 'peerFullRate', 'peerSharedRate'] as const).map((k) => (r.breakdown[k] / 1000).toFixed(1)),
    ]),
  );
  const targets = PROTOCOLS.map((b) => {
    const wave = runs.filter((r) => r.scenario === 'cold wave' && r.protocol === b.protocol);
    const largest = wave.find((r) => r.nodes === 1000);
    return {
      protocol: b.protocol,
      originAtMost1_05EveryN: wave.every((r) => r.originRatio <= 1.05),
      timeAtMost1_5At1000: largest === undefined ? undefined : largest.timeRatio <= 1.5,
    };
  });
  for (const t of targets) process.stdout.write(`${t.protocol}: origin <= 1.05x at every N: ${t.originAtMost1_05EveryN ? 'met' : 'missed'}; time <= 1.5x at 1000 nodes: ${t.timeAtMost1_5At1000 === undefined ? 'not run' : t.timeAtMost1_5At1000 ? 'met' : 'missed'}\n`);

  // Written now and again at the end: the simulated runs are the long part.
  writeResults('p2p-sim', { seed: SEED, scale: scaleParams(0, { seed: SEED }), runs, targets });

  let calibration: object | undefined;
  if (!SKIP.has('calibration')) {
    const fitted = await fitCalibration();
    const comparisons = await compareWithBench(CALIBRATION);
    process.stdout.write(`\ncalibration against bench:p2p (fitted now: origin ${fitted.originMbit} Mbit/s, machine ${fitted.machineMbit} Mbit/s; in use: ${CALIBRATION.originMbit} / ${CALIBRATION.machineMbit})\n`);
    printTable(
      ['nodes', 'mode', 'fitted on', 'measured s', 'simulated s', 'time error', 'measured origin x', 'simulated origin x', 'origin error'],
      comparisons.map((c) => [
        String(c.nodes), c.p2p ? 'P2P' : 'origin only', c.fitted ? 'yes' : 'no', c.measuredSeconds.toFixed(1), c.simulatedSeconds.toFixed(1),
        pct(c.timeError), c.measuredOriginRatio.toFixed(2), c.simulatedOriginRatio.toFixed(2), pct(c.originError),
      ]),
    );
    calibration = { fitted, inUse: CALIBRATION, comparisons };
  }

  let scheduler: object | undefined;
  if (!SKIP.has('scheduler')) {
    const capacity = await measureCapacity();
    const wave = runs.filter((r) => r.scenario === 'cold wave' && r.nodes === Math.max(...NODES));
    const demandPeak = Math.max(...wave.map((r) => r.peakResolvesPerSecond));
    const demandMean = Math.max(...wave.map((r) => r.meanResolvesPerSecond));
    process.stdout.write(`\nscheduler capacity (1000 peers; each Resolve asks for 4 chunks); demand of the ${Math.max(...NODES)}-node wave: peak ${demandPeak} resolves/s, mean ${demandMean.toFixed(0)}\n`);
    printTable(
      ['store', 'holders/chunk', 'holders ranked', 'resolves/s per core', 'cores for peak', 'redis CPU µs/resolve'],
      capacity.map((c) => [
        c.store, String(c.holders), c.maxHoldersPerChunk === 0 ? 'all' : `<= ${c.maxHoldersPerChunk}`, c.resolvesPerCoreSecond.toFixed(0),
        (demandPeak / c.resolvesPerCoreSecond).toFixed(1), c.redisCpuMicrosPerResolve === undefined ? '' : c.redisCpuMicrosPerResolve.toFixed(0),
      ]),
    );
    scheduler = { demandPeakResolvesPerSecond: demandPeak, demandMeanResolvesPerSecond: demandMean, capacity };
  }
  const file = writeResults('p2p-sim', { seed: SEED, scale: scaleParams(0, { seed: SEED }), runs, targets, calibration, scheduler });
  process.stdout.write(`results: ${file}\n`);
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:p2p-sim failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
