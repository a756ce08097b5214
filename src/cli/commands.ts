import type { Command } from 'commander';
import { verbOf } from './verb.js';

/**
 * Registers the sub-commands. Each verb lives in its own module (converter/cli.ts, src/daemon/cli.ts,
 * snapshotter/cli.ts, ...) and exports a `register(program)` function; this file only lists them.
 */
export async function registerCommands(program: Command, argv: readonly string[] = []): Promise<void> {
  const verb = verbOf(argv.slice(2));
  const lean = verb !== undefined ? LEAN_VERBS[verb] : undefined;
  if (lean !== undefined) {
    (await lean()).register(program);
    return;
  }
  const [converter, snapshotter, pull, scheduler, preheat, daemon, get, status, demo, examples] = await Promise.all([
    import('../../converter/cli.js'),
    import('../../snapshotter/cli.js'),
    import('../../snapshotter/pull/cli.js'),
    import('../p2p/scheduler/cli.js'),
    import('../p2p/cli.js'),
    import('../daemon/cli.js'),
    import('../get/cli.js'),
    import('./status.js'),
    import('../demo/cli.js'),
    import('./examples.js'),
  ]);
  converter.register(program);
  snapshotter.register(program);
  pull.register(program);
  scheduler.register(program);
  preheat.register(program);
  daemon.register(program);
  get.register(program);
  status.register(program);
  // Loaded on use, like the demo itself: a conversion is not needed to start any other verb.
  demo.register(program, async (source, target) => (await import('../../converter/convert.js')).convertImage(source, target));
  examples.addExamples(program);
}

/**
 * Verbs on a container start's critical path (`darner pull` before `ctr run`): `darner <verb> …`
 * loads that verb's module alone, not every other verb's, so the command's first request leaves
 * sooner. `darner --help` and every other verb load them all.
 */
const LEAN_VERBS: Record<string, () => Promise<{ register(program: Command): void }>> = {
  pull: () => import('../../snapshotter/pull/cli.js'),
};
