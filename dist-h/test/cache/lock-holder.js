/**
 * Child process of lock.test.ts: opens a blob cache (taking its lock), prints `locked <pid>` and
 * waits to be killed. Usage: node lock-holder.js DIR.
 */
import { openBlobCache } from '../../src/cache/index.js';
const dir = process.argv[2];
if (dir === undefined)
    throw new Error('usage: lock-holder DIR');
await openBlobCache({ dir });
process.stdout.write(`locked ${process.pid}\n`);
setInterval(() => { }, 1 << 30);
//# sourceMappingURL=lock-holder.js.map