/**
 * `npm run bench:scheduler`: the scheduler's capacity alone (bench/scheduler-capacity.ts), in
 * Resolve calls per second per core, with the memory store and Redis, beside the demand of the
 * 1000-node cold wave that the last bench:p2p-sim recorded (bench/results/p2p-sim.txt names it;
 * DARNER_BENCH_SCHEDULER_DEMAND sets it). A table plus bench/results/scheduler-capacity.json.
 */
import { printTable, writeResults } from './report.js';
import { measureCapacity } from './scheduler-capacity.js';

/** Peak Resolve rate of the simulated 1000-node cascade wave (bench/results/p2p-sim.txt). */
const DEMAND_PEAK = Number(process.env.DARNER_BENCH_SCHEDULER_DEMAND ?? 11_128);

async function main(): Promise<void> {
  const capacity = await measureCapacity();
  process.stdout.write(`scheduler capacity (1000 peers; each Resolve asks for 4 chunks); demand: peak ${DEMAND_PEAK} resolves/s\n`);
  printTable(
    ['store', 'holders/chunk', 'holders ranked', 'resolves/s per core', 'cores for peak', 'redis CPU µs/resolve'],
    capacity.map((c) => [
      c.store, String(c.holders), c.maxHoldersPerChunk === 0 ? 'all' : `<= ${c.maxHoldersPerChunk}`, c.resolvesPerCoreSecond.toFixed(0),
      (DEMAND_PEAK / c.resolvesPerCoreSecond).toFixed(1), c.redisCpuMicrosPerResolve === undefined ? '' : c.redisCpuMicrosPerResolve.toFixed(0),
    ]),
  );
  const file = writeResults('scheduler-capacity', { demandPeakResolvesPerSecond: DEMAND_PEAK, capacity });
  process.stdout.write(`results: ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scheduler failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
