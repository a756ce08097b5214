#!/usr/bin/env node
// Runs the ava suite with the TAP reporter, echoes it, and ends with one summary line of the form
// `N passed, N failed` (ava's own summary has another shape). Extra arguments go to ava, e.g.
// `node test/run.mjs dist/test/format/*.test.js`. The exit code is ava's.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// ava's package exports hide its CLI entry, so take it from the repository's node_modules.
const avaCli = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));
const child = spawn(process.execPath, [avaCli, '--tap', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  // TAP test points: "ok 3 - title", "not ok 4 - title", "ok 5 - title # SKIP".
  if (/^not ok \d+/.test(line)) {
    if (/# TODO/.test(line)) return;
    failed += 1;
  } else if (/^ok \d+/.test(line)) {
    if (/# (SKIP|TODO)/i.test(line)) skipped += 1;
    else passed += 1;
  }
});

child.on('close', (code, signal) => {
  // ava failing outside any test (a crashed worker, a timeout, a compile error) still fails the run.
  if ((code !== 0 || signal) && failed === 0) failed = 1;
  if (skipped > 0) process.stdout.write(`(${skipped} skipped)\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = code ?? 1;
});
