import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Loaded with `node --import` into a process whose peak memory a test measures: as the process
 * exits it copies its own /proc/self/status (VmHWM, the peak RSS) to the file named by
 * DARNER_TEST_STATUS_FILE, which the test then reads.
 */
const file = process.env.DARNER_TEST_STATUS_FILE;
if (file !== undefined) {
  process.on('exit', () => writeFileSync(file, readFileSync('/proc/self/status')));
}
