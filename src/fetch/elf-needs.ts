/**
 * What a dynamically linked ELF program or library will make the loader read next, from the
 * first bytes of the file: its interpreter (PT_INTERP, the dynamic loader) and the libraries it
 * names (DT_NEEDED). The fetch policy (program-libraries.ts) fetches those files while the
 * loader is still busy with this one, instead of one round trip each when the loader gets to them.
 *
 * Pure and bounds-checked: the bytes are an image's file, untrusted. Anything that does not
 * parse within `head` gives undefined or fewer names, never an exception; a name is at most
 * MAX_NAME bytes of printable ASCII and at most MAX_NEEDED of them are taken.
 */

export interface ElfNeeds {
  /** e_machine (62: x86-64, 183: AArch64, ...). */
  machine: number;
  is64: boolean;
  /** PT_INTERP's path, when the file asks for a dynamic loader. */
  interpreter?: string;
  /** DT_NEEDED names in the file's order (plain names; names with a `/` are paths). */
  needed: string[];
}

const MAX_NAME = 255;
const MAX_NEEDED = 64;
const MAX_PROGRAM_HEADERS = 256;
const MAX_DYNAMIC_ENTRIES = 4096;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const ET_EXEC = 2;
const ET_DYN = 3;

/** The program headers that say where the rest is. */
export interface ElfProgram {
  machine: number;
  is64: boolean;
  little: boolean;
  interpreter?: string;
  loads: Array<{ offset: bigint; vaddr: bigint; size: bigint }>;
  /** PT_DYNAMIC's place in the file (often near its end, past the first chunk). */
  dynamic?: { offset: number; size: number };
}

/** A little-/big-endian reader over `bytes` whose reads past the end give undefined. */
function fields(bytes: Uint8Array, little: boolean) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (at: number, size: number): boolean => Number.isSafeInteger(at) && at >= 0 && at + size <= bytes.byteLength;
  return {
    u16: (at: number): number | undefined => (fits(at, 2) ? view.getUint16(at, little) : undefined),
    u32: (at: number): number | undefined => (fits(at, 4) ? view.getUint32(at, little) : undefined),
    u64: (at: number): bigint | undefined => (fits(at, 8) ? view.getBigUint64(at, little) : undefined),
  };
}

type Fields = ReturnType<typeof fields>;

/** The ELF class's word (Elf64_Xword / Elf32_Word) at an offset. */
function wordReader(f: Fields, is64: boolean): (at: number) => bigint | undefined {
  return (at) => {
    if (is64) return f.u64(at);
    const v = f.u32(at);
    return v === undefined ? undefined : BigInt(v);
  };
}

/** The NUL-terminated name at `at`, if it ends within `limit` and is printable ASCII. */
function nameAt(bytes: Uint8Array, at: number, limit: number): string | undefined {
  if (!Number.isSafeInteger(at) || at < 0) return undefined;
  const end = Math.min(limit, bytes.byteLength, at + MAX_NAME + 1);
  for (let i = at; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0) return i > at ? Buffer.from(bytes.subarray(at, i)).toString('latin1') : undefined;
    if (c < 0x20 || c > 0x7e) return undefined;
  }
  return undefined;
}

/** The file offset of virtual address `vaddr`, through the PT_LOAD segments. */
function fileOffset(loads: ReadonlyArray<{ offset: bigint; vaddr: bigint; size: bigint }>, vaddr: bigint): number | undefined {
  for (const l of loads) {
    if (vaddr >= l.vaddr && vaddr < l.vaddr + l.size) {
      const at = vaddr - l.vaddr + l.offset;
      return at <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(at) : undefined;
    }
  }
  return undefined;
}

const toNumber = (v: bigint | number | undefined): number | undefined =>
  v === undefined ? undefined : typeof v === 'number' ? v : v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;

/** What the first bytes of an ELF executable or shared object say; undefined for anything else. */
export function elfProgram(head: Uint8Array): ElfProgram | undefined {
  if (head.byteLength < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const is64 = head[4] === 2;
  if (!is64 && head[4] !== 1) return undefined;
  if (head[5] !== 1 && head[5] !== 2) return undefined;
  const little = head[5] === 1;
  const f = fields(head, little);
  const type = f.u16(16);
  if (type !== ET_EXEC && type !== ET_DYN) return undefined;
  const machine = f.u16(18)!;
  const word = wordReader(f, is64);
  const phoff = toNumber(word(is64 ? 32 : 28));
  const phentsize = f.u16(is64 ? 54 : 42);
  const phnum = f.u16(is64 ? 56 : 44);
  if (phoff === undefined || phentsize === undefined || phnum === undefined || phentsize < (is64 ? 56 : 32)) return undefined;

  const loads: ElfProgram['loads'] = [];
  let dynamic: ElfProgram['dynamic'];
  let interpreter: string | undefined;
  for (let i = 0; i < Math.min(phnum, MAX_PROGRAM_HEADERS); i++) {
    const at = phoff + i * phentsize;
    const kind = f.u32(at);
    // ELF64: type, flags, offset, vaddr, paddr, filesz; ELF32: type, offset, vaddr, paddr, filesz.
    const offset = word(is64 ? at + 8 : at + 4);
    const vaddr = word(is64 ? at + 16 : at + 8);
    const filesz = word(is64 ? at + 32 : at + 16);
    if (kind === undefined || offset === undefined || vaddr === undefined || filesz === undefined) break;
    const o = toNumber(offset);
    const size = toNumber(filesz);
    if (kind === PT_LOAD) loads.push({ offset, vaddr, size: filesz });
    else if (kind === PT_DYNAMIC && o !== undefined && size !== undefined) dynamic = { offset: o, size: Math.min(size, MAX_DYNAMIC_ENTRIES * (is64 ? 16 : 8)) };
    else if (kind === PT_INTERP && o !== undefined && size !== undefined) interpreter = nameAt(head, o, o + size);
  }
  return { machine, is64, little, loads, ...(dynamic !== undefined ? { dynamic } : {}), ...(interpreter !== undefined ? { interpreter } : {}) };
}

/** Bytes of the file at some offsets: `at(offset)` gives the bytes held from `offset` on, and where they start. */
export type FileBytes = (offset: number) => { bytes: Uint8Array; start: number } | undefined;

/**
 * The DT_NEEDED names of `program`, from its dynamic section and string table where `file` holds
 * them (the first chunk, and the chunk of the dynamic section when that lies further on); names
 * whose bytes are not held are left out.
 */
export function elfNeeded(program: ElfProgram, file: FileBytes): string[] {
  const dynamic = program.dynamic;
  if (dynamic === undefined) return [];
  const held = file(dynamic.offset);
  if (held === undefined) return [];
  const f = fields(held.bytes, program.little);
  const word = wordReader(f, program.is64);
  const entry = program.is64 ? 16 : 8;
  const offsets: number[] = [];
  let strtab: bigint | undefined;
  let strsz: number | undefined;
  for (let i = 0; i < dynamic.size / entry; i++) {
    const at = dynamic.offset - held.start + i * entry;
    const tag = word(at);
    const value = word(at + entry / 2);
    if (tag === undefined || value === undefined || tag === DT_NULL) break;
    if (tag === DT_NEEDED && offsets.length < MAX_NEEDED) {
      const o = toNumber(value);
      if (o !== undefined) offsets.push(o);
    } else if (tag === DT_STRTAB) strtab = value;
    else if (tag === DT_STRSZ) strsz = toNumber(value);
  }
  const table = strtab === undefined ? undefined : fileOffset(program.loads, strtab);
  if (table === undefined) return [];
  const needed: string[] = [];
  for (const o of offsets) {
    if (strsz !== undefined && o >= strsz) continue;
    const bytes = file(table + o);
    const name = bytes === undefined ? undefined : nameAt(bytes.bytes, table + o - bytes.start, strsz === undefined ? Infinity : table + strsz - bytes.start);
    if (name !== undefined) needed.push(name);
  }
  return needed;
}

/** elfProgram and elfNeeded of a file of which `head` is held: the names when the dynamic section is in `head`. */
export function elfNeeds(head: Uint8Array): ElfNeeds | undefined {
  const program = elfProgram(head);
  if (program === undefined) return undefined;
  const needed = elfNeeded(program, (offset) => (offset < head.byteLength ? { bytes: head, start: 0 } : undefined));
  return { machine: program.machine, is64: program.is64, ...(program.interpreter !== undefined ? { interpreter: program.interpreter } : {}), needed };
}

/**
 * Where the loader looks for a library named without a path, in order (glibc's and musl's
 * defaults, Debian's and Fedora's layouts); the image's own ld.so.cache and rpaths are not read.
 */
export function librarySearchDirs(needs: Pick<ElfNeeds, 'machine' | 'is64'>): string[] {
  const multiarch: Record<number, string> = { 62: 'x86_64-linux-gnu', 183: 'aarch64-linux-gnu', 3: 'i386-linux-gnu', 40: 'arm-linux-gnueabihf' };
  const triple = multiarch[needs.machine];
  return [
    ...(triple !== undefined ? [`/lib/${triple}`, `/usr/lib/${triple}`] : []),
    ...(needs.is64 ? ['/lib64', '/usr/lib64'] : []),
    '/lib',
    '/usr/lib',
    '/usr/local/lib',
  ];
}
