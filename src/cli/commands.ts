import type { Command } from 'commander';
import { register as registerConverter } from '../../converter/cli.js';
import { register as registerSnapshotter } from '../../snapshotter/cli.js';
import { register as registerDaemon } from '../daemon/cli.js';
import { register as registerDemo } from '../demo/cli.js';
import { register as registerP2p } from '../p2p/cli.js';

/**
 * Registers every sub-command. Each verb lives in its own module (converter/cli.ts, src/daemon/cli.ts,
 * snapshotter/cli.ts, ...) and exports a `register(program)` function; this file only lists them.
 */
export function registerCommands(program: Command): void {
  registerConverter(program);
  registerSnapshotter(program);
  registerP2p(program);
  registerDaemon(program);
  registerDemo(program);
}
