#!/usr/bin/env node
import { endWithParent, hasConvertFlags, runInConvertProcess } from '../../converter/convert-process.js';
import { describeError } from '../errors.js';
import { verbOf } from './verb.js';

// Every way a command can end must reach one readable line and a non-zero exit: an error thrown
// outside the command's own promise chain (a stream 'error' nobody listens to), and a command
// whose promise never settles because nothing is left to wait for (the event loop drained; with
// a top-level await Node would exit with code 13 and print nothing).
let settled = false;
process.on('uncaughtException', (err) => {
  process.stderr.write(`darner: ${describeError(err)}\n`);
  process.exit(1);
});
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('darner: internal error: the command stopped without finishing (nothing left to wait for) [UNSETTLED]\n');
  process.exitCode = 1;
});
/**
 * `darner convert` converts in a node of its own (converter/convert-process.ts), started from
 * here, before the command tree is loaded, so that the process that waits for it stays small.
 * When node cannot be started again, the conversion runs in this process.
 */
async function main(): Promise<void> {
  const convert = verbOf(process.argv.slice(2)) === 'convert';
  if (convert && hasConvertFlags()) endWithParent();
  if (convert && !hasConvertFlags()) {
    const code = await runInConvertProcess();
    if (code !== undefined) {
      process.exitCode = code;
      return;
    }
  }
  const { run } = await import('./program.js');
  await run(process.argv);
}

void main()
  .catch((err: unknown) => {
    process.stderr.write(`darner: ${describeError(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    settled = true;
  });
