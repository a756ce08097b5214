import test from 'ava';
import { elfNeeded, elfNeeds, elfProgram, librarySearchDirs } from '../../src/fetch/elf-needs.js';
import { filesNeeded, findFile } from '../../src/fetch/program-libraries.js';
import { elfFile } from '../harness/elf-file.js';

const LIBS = ['libm.so.6', 'libz.so.1', 'libc.so.6'];

test('elfNeeds: interpreter and DT_NEEDED names, in order, from the first bytes of a program', (t) => {
  const file = elfFile({ size: 8192, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: LIBS });
  t.deepEqual(elfNeeds(file), { machine: 62, is64: true, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: LIBS });
  t.deepEqual(elfNeeds(elfFile({ size: 4096, needed: ['libc.so.6'] })), { machine: 62, is64: true, needed: ['libc.so.6'] });
});

test('a dynamic section past the bytes held: no names from the head alone, all of them once its chunk is held too', (t) => {
  const file = elfFile({ size: 64 * 1024, interpreter: '/lib/ld-musl-x86_64.so.1', needed: LIBS, dynamicAt: 60 * 1024 });
  const head = file.subarray(0, 16 * 1024);
  const program = elfProgram(head)!;
  t.deepEqual(program.dynamic, { offset: 60 * 1024, size: (LIBS.length + 3) * 16 });
  t.deepEqual(elfNeeds(head)?.needed, []);
  const later = { bytes: file.subarray(48 * 1024), start: 48 * 1024 };
  const held = (offset: number) => (offset < head.length ? { bytes: head, start: 0 } : offset >= later.start ? later : undefined);
  t.deepEqual(elfNeeded(program, held), LIBS);
});

test('anything that is not a well-formed ELF program gives undefined or fewer names, never an exception', (t) => {
  const file = elfFile({ size: 4096, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: LIBS });
  t.is(elfNeeds(Buffer.from('#!/bin/sh\necho hi\n')), undefined);
  t.is(elfNeeds(file.subarray(0, 40)), undefined, 'shorter than a header');
  const relocatable = Buffer.from(file);
  relocatable.writeUInt16LE(1, 16); // ET_REL
  t.is(elfNeeds(relocatable), undefined);
  // Every prefix, and every single byte of the header and program headers set to 0xff.
  for (let n = 0; n <= 600; n += 7) t.notThrows(() => elfNeeds(file.subarray(0, n)));
  for (let i = 0; i < 64 + 3 * 56; i++) {
    const bad = Buffer.from(file);
    bad[i] = 0xff;
    t.notThrows(() => elfNeeds(bad));
  }
  // Program headers and dynamic entries pointing far past the end, a name without its NUL.
  const far = Buffer.from(file);
  far.writeBigUInt64LE(0xffff_ffff_ffff_fff0n, 32);
  t.is(elfNeeds(far), undefined);
  const huge = Buffer.from(file);
  huge.writeUInt16LE(0xffff, 56); // e_phnum
  t.notThrows(() => elfNeeds(huge));
  const unterminated = elfFile({ size: 4096, needed: ['x'.repeat(300)] });
  t.deepEqual(elfNeeds(unterminated)?.needed, [], 'a name longer than the bound is left out');
});

/** A tree as the bootstrap reader gives it: path → file, directory or symlink. */
function tree(entries: Record<string, string | null>) {
  const paths = ['/', ...Object.keys(entries)];
  const nidOf = new Map(paths.map((p, i) => [p, i]));
  return {
    rootNid: 0,
    inode: (nid: number) => {
      const p = paths[nid]!;
      const v = p === '/' ? null : entries[p];
      return { kind: v === null ? 'dir' : v === 'file' ? 'file' : 'symlink' } as never;
    },
    lookup: (dir: number, name: string) => nidOf.get(dir === 0 ? `/${name}` : `${paths[dir]}/${name}`),
    readlink: (nid: number) => entries[paths[nid]!]!,
    path: (nid: number | undefined) => (nid === undefined ? undefined : paths[nid]),
  };
}

test('findFile and filesNeeded follow symlinks (merged /lib, versioned names) and the loader\'s directories', (t) => {
  const image = tree({
    '/lib': 'usr/lib',
    '/lib64': 'usr/lib64',
    '/usr': null,
    '/usr/lib': null,
    '/usr/lib64': null,
    '/usr/lib64/ld-linux-x86-64.so.2': '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    '/usr/lib/x86_64-linux-gnu': null,
    '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
    '/usr/lib/x86_64-linux-gnu/libz.so.1': 'libz.so.1.2.13',
    '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13': 'file',
    '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
    '/usr/lib/libm.so.6': 'file',
    '/etc': null,
    '/etc/ld.so.cache': 'file',
    '/loop': '/loop',
  });
  t.is(image.path(findFile(image, '/lib/x86_64-linux-gnu/libz.so.1')), '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13');
  t.is(findFile(image, '/loop'), undefined, 'a symlink loop ends');
  t.is(findFile(image, '/usr/lib'), undefined, 'a directory is no file');
  t.is(findFile(image, '/etc/ld.so.cache/x'), undefined);
  const needs = { machine: 62, is64: true, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libm.so.6', 'libz.so.1', 'libabsent.so', 'libc.so.6'] };
  t.deepEqual(
    filesNeeded(image, needs).map((n) => image.path(n)),
    ['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', '/etc/ld.so.cache', '/usr/lib/libm.so.6', '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13', '/usr/lib/x86_64-linux-gnu/libc.so.6'],
  );
  t.deepEqual(librarySearchDirs({ machine: 183, is64: true }).slice(0, 2), ['/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu']);
});
