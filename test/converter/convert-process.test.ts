/**
 * The pure parts of how `darner convert` bounds its heap: the collection pace (counted in bytes)
 * and the arguments and exit code of the node process the verb converts in.
 */
import test from 'ava';
import { constants } from 'node:os';
import { CONVERT_V8_FLAGS, convertProcessArgs, exitCodeOf, hasConvertFlags } from '../../converter/convert-process.js';
import { verbOf } from '../../src/cli/verb.js';
import { GcPacer } from '../../converter/gc-pacer.js';

test('the pacer collects once per `every` bytes added, however the bytes are split', (t) => {
  const every = 1000;
  let collections = 0;
  const pacer = new GcPacer(every, () => (collections += 1));
  // Seeded piece sizes, some larger than the pace.
  let seed = 7;
  let total = 0;
  for (let i = 0; i < 500; i += 1) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = seed % 2500;
    pacer.add(n);
    total += n;
  }
  // A piece larger than the pace leads to one collection, not several: the garbage it leaves is
  // what one collection frees.
  t.true(collections <= Math.floor(total / every));
  t.true(collections >= Math.floor(total / 2500));
  const exact = new GcPacer(every, () => (collections += 1));
  collections = 0;
  for (let i = 0; i < 10 * every; i += 1) exact.add(1);
  t.is(collections, 10);
});

test('the pacer refuses a pace below one byte', (t) => {
  t.throws(() => new GcPacer(0, () => undefined), { instanceOf: RangeError });
});

test('the converting process gets the flags, the parent node arguments, and the same command', (t) => {
  const args = convertProcessArgs(['--import', 'x.js'], ['/usr/bin/node', '/opt/darner/main.js', 'convert', 'oci:a', 'oci:b']);
  t.deepEqual(args, ['--import', 'x.js', ...CONVERT_V8_FLAGS, '/opt/darner/main.js', 'convert', 'oci:a', 'oci:b']);
  t.true(hasConvertFlags(args));
  t.false(hasConvertFlags(['--max-semi-space-size=1']));
  t.false(hasConvertFlags([]));
});

test("the parent exits with the converting process's code, or 128 + its signal", (t) => {
  t.is(exitCodeOf(0, null), 0);
  t.is(exitCodeOf(2, null), 2);
  t.is(exitCodeOf(null, 'SIGTERM'), 128 + constants.signals.SIGTERM);
  t.is(exitCodeOf(null, 'SIGKILL'), 137);
});

test('the verb is recognised past global options, and only as the verb', (t) => {
  t.is(verbOf(['convert', 'oci:a', 'oci:b']), 'convert');
  t.is(verbOf(['--log-format', 'json', 'convert', 'oci:a', 'oci:b']), 'convert');
  t.is(verbOf(['--log-format=text', 'convert']), 'convert');
  t.is(verbOf(['check', 'convert']), 'check');
  t.is(verbOf(['--log-format', 'convert', 'check']), 'check');
  t.is(verbOf(['-q', 'pull', 'x']), 'pull');
  t.is(verbOf(['--help']), undefined);
  t.is(verbOf([]), undefined);
});
