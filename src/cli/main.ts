#!/usr/bin/env node
import { describeError } from '../errors.js';
import { run } from './program.js';

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
void run(process.argv).finally(() => {
  settled = true;
});
