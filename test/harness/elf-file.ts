/**
 * Small ELF64 little-endian shared objects for tests of what the loader reads: an interpreter
 * (PT_INTERP), DT_NEEDED names, and the dynamic section anywhere in the file (at its end, as in
 * a large program). The rest of the file is seeded pseudo-random bytes.
 */
import { pseudoRandomBytes } from './layer-tar.js';

export interface ElfSpec {
  /** Total size of the file. */
  size: number;
  interpreter?: string;
  needed: string[];
  /** Where the dynamic section starts (default: right after the names). */
  dynamicAt?: number;
  seed?: number;
}

export function elfFile(spec: ElfSpec): Buffer {
  const out = pseudoRandomBytes(spec.size, spec.seed ?? 1);
  const phnum = 3;
  const stringsAt = 64 + 56 * phnum;
  const strings = Buffer.concat([Buffer.from([0]), ...spec.needed.map((n) => Buffer.from(`${n}\0`, 'latin1'))]);
  const interpAt = stringsAt + strings.length;
  const interp = Buffer.from(`${spec.interpreter ?? ''}\0`, 'latin1');
  const dynamicAt = spec.dynamicAt ?? interpAt + interp.length;
  const entries = spec.needed.length + 3;
  if (dynamicAt + entries * 16 > spec.size) throw new Error('elfFile: the file is too small for its dynamic section');

  out.fill(0, 0, 64);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  out.writeUInt16LE(3, 16); // ET_DYN
  out.writeUInt16LE(62, 18); // x86-64
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(64n, 32); // e_phoff
  out.writeUInt16LE(64, 52);
  out.writeUInt16LE(56, 54);
  out.writeUInt16LE(phnum, 56);
  const phdr = (i: number, type: number, offset: number, filesz: number): void => {
    const at = 64 + i * 56;
    out.fill(0, at, at + 56);
    out.writeUInt32LE(type, at);
    out.writeBigUInt64LE(BigInt(offset), at + 8);
    out.writeBigUInt64LE(BigInt(offset), at + 16); // vaddr = offset: one PT_LOAD maps the file at 0
    out.writeBigUInt64LE(BigInt(filesz), at + 32);
  };
  phdr(0, 1, 0, spec.size); // PT_LOAD
  phdr(1, 2, dynamicAt, entries * 16); // PT_DYNAMIC
  if (spec.interpreter !== undefined) phdr(2, 3, interpAt, interp.length); // PT_INTERP
  else phdr(2, 4, interpAt, 0); // PT_NOTE, nothing
  strings.copy(out, stringsAt);
  interp.copy(out, interpAt);
  let at = dynamicAt;
  const dyn = (tag: number, value: number): void => {
    out.writeBigUInt64LE(BigInt(tag), at);
    out.writeBigUInt64LE(BigInt(value), at + 8);
    at += 16;
  };
  let nameAt = 1;
  for (const n of spec.needed) {
    dyn(1, nameAt); // DT_NEEDED
    nameAt += n.length + 1;
  }
  dyn(5, stringsAt); // DT_STRTAB
  dyn(10, strings.length); // DT_STRSZ
  dyn(0, 0);
  return out;
}
