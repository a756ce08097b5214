import { register as registerConverter } from '../../converter/cli.js';
import { register as registerSnapshotter } from '../../snapshotter/cli.js';
import { register as registerPull } from '../../snapshotter/pull/cli.js';
import { register as registerDaemon } from '../daemon/cli.js';
import { register as registerDemo } from '../demo/cli.js';
import { register as registerGet } from '../get/cli.js';
import { register as registerPreheat } from '../p2p/cli.js';
import { register as registerScheduler } from '../p2p/scheduler/cli.js';
import { addExamples } from './examples.js';
import { register as registerStatus } from './status.js';
/**
 * Registers every sub-command. Each verb lives in its own module (converter/cli.ts, src/daemon/cli.ts,
 * snapshotter/cli.ts, ...) and exports a `register(program)` function; this file only lists them.
 */
export function registerCommands(program) {
    registerConverter(program);
    registerSnapshotter(program);
    registerPull(program);
    registerScheduler(program);
    registerPreheat(program);
    registerDaemon(program);
    registerGet(program);
    registerStatus(program);
    // Loaded on use, like the demo itself: a conversion is not needed to start any other verb.
    registerDemo(program, async (source, target) => (await import('../../converter/convert.js')).convertImage(source, target));
    addExamples(program);
}
//# sourceMappingURL=commands.js.map