import { appendFileSync, readFileSync } from 'node:fs';

/**
 * Loaded with `node --import` into a process whose peak memory a test measures: as the process
 * exits it appends its own /proc/self/status (VmHWM, the peak RSS) and a line `ExecArgv:` with
 * its node arguments as JSON to the file named by DARNER_TEST_STATUS_FILE, which the test then reads. Node passes `--import` on to a node it
 * starts with process.execArgv (`darner convert` runs in such a process), so the file may hold
 * the status of each of them, the last to exit last.
 */
const file = process.env.DARNER_TEST_STATUS_FILE;
if (file !== undefined) {
  process.on('exit', () => appendFileSync(file, `${readFileSync('/proc/self/status', 'utf8')}ExecArgv:\t${JSON.stringify(process.execArgv)}\n`));
}
