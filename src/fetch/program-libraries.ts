/**
 * A program's libraries fetched while the loader is still busy with the program. When the first
 * chunk of a dynamically linked ELF file arrives (elf-needs.ts), the files the loader will read
 * next are found in the image — its interpreter, glibc's /etc/ld.so.cache, and each DT_NEEDED
 * library in the loader's default directories, symlinks followed — and fetched at prefetch
 * priority, each whole when its stored bytes are within the bound (else its first chunk), along
 * with the rest of the program itself. Each library's first chunk is examined in turn when it
 * arrives, so its own libraries follow. Without this a cold start pays one round trip per
 * library, one after another, as the loader opens them (docs/daemon.md, "Fetch policy").
 *
 * Every chunk is examined at most once; what is fetched is bounded per file by `wholeFileBytes`.
 */
import { HOLE, type ChunkRecord } from '../format/model.js';
import type { Bootstrap } from '../format/reader.js';
import { elfNeeded, elfProgram, librarySearchDirs, type ElfNeeds, type ElfProgram } from './elf-needs.js';

const MAX_LINK_HOPS = 8;
const LD_SO_CACHE = '/etc/ld.so.cache';

type ImageTree = Pick<Bootstrap, 'rootNid' | 'inode' | 'lookup' | 'readlink'>;

/** The nid of the regular file at absolute `path` in the image, symlinks followed; undefined when there is none. */
export function findFile(tree: ImageTree, path: string): number | undefined {
  try {
    let parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let chain = [tree.rootNid];
    let hops = 0;
    for (let i = 0; i < parts.length; ) {
      const name = parts[i]!;
      if (name === '..') {
        if (chain.length > 1) chain.pop();
        i++;
        continue;
      }
      const dir = chain[chain.length - 1]!;
      if (tree.inode(dir).kind !== 'dir') return undefined;
      const nid = tree.lookup(dir, name);
      if (nid === undefined) return undefined;
      if (tree.inode(nid).kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) return undefined;
        const target = tree.readlink(nid);
        if (target.startsWith('/')) chain = [tree.rootNid];
        parts = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...parts.slice(i + 1)];
        i = 0;
        continue;
      }
      chain.push(nid);
      i++;
    }
    const nid = chain[chain.length - 1]!;
    return chain.length > 1 && tree.inode(nid).kind === 'file' ? nid : undefined;
  } catch {
    // A malformed bootstrap: nothing to fetch ahead; reads report it.
    return undefined;
  }
}

/** The regular files the loader reads for a program with `needs`, in the order it reads them. */
export function filesNeeded(tree: ImageTree, needs: ElfNeeds): number[] {
  const paths: string[] = [];
  if (needs.interpreter !== undefined) {
    paths.push(needs.interpreter);
    if (!needs.interpreter.includes('musl')) paths.push(LD_SO_CACHE);
  }
  const dirs = librarySearchDirs(needs);
  const nids: number[] = [];
  const add = (nid: number | undefined): void => {
    if (nid !== undefined && !nids.includes(nid)) nids.push(nid);
  };
  for (const p of paths) add(findFile(tree, p));
  for (const name of needs.needed) {
    if (name.includes('/')) add(name.startsWith('/') ? findFile(tree, name) : undefined);
    else add(dirs.map((d) => findFile(tree, `${d}/${name}`)).find((n) => n !== undefined));
  }
  return nids;
}

export interface LibraryFetcher {
  /** Fetches the absent ones of `records` (one blob's, in stored order) at prefetch priority: a promise per record fetched, in order, with its decoded chunk. */
  fetch(blobIndex: number, records: ChunkRecord[]): Array<{ record: ChunkRecord; data: Promise<Buffer> }>;
  /** Fetches the rest of the file `record` is the first chunk of, when it is within the bound. */
  restOfFile(record: ChunkRecord): void;
  /** Chunk `index` of the file whose first chunk is `first`, if the image stores it in that file's order. */
  fileChunk(first: ChunkRecord, index: number): ChunkRecord | undefined;
}

export class ProgramLibraries {
  readonly #bootstrap: Bootstrap;
  readonly #fetcher: LibraryFetcher;
  readonly #wholeFileBytes: number;
  /** Chunks already examined, by blob and stored offset. */
  readonly #examined = new Set<string>();

  constructor(bootstrap: Bootstrap, fetcher: LibraryFetcher, wholeFileBytes: number) {
    this.#bootstrap = bootstrap;
    this.#fetcher = fetcher;
    this.#wholeFileBytes = wholeFileBytes;
  }

  /** `data` (decoded, verified) of chunk `record` just arrived from a fetch. */
  arrived(record: ChunkRecord, data: Buffer): void {
    if (data.byteLength < 4 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) return;
    const key = `${record.blobIndex}:${record.compressedOffset}`;
    if (this.#examined.has(key)) return;
    this.#examined.add(key);
    const program = elfProgram(data);
    if (program === undefined) return;
    for (const nid of filesNeeded(this.#bootstrap, { ...program, needed: [] })) this.#fetchFile(nid);
    const dynamic = program.dynamic;
    if (dynamic !== undefined && dynamic.offset >= data.byteLength) {
      // The dynamic section lies further on (a large program's, near its end): fetch its chunk
      // first, then the names from it and the string table in the first chunk.
      const chunkSize = this.#bootstrap.chunkSize;
      const index = Math.floor(dynamic.offset / chunkSize);
      const chunk = this.#fetcher.fileChunk(record, index);
      const fetched = chunk === undefined ? [] : this.#fetcher.fetch(chunk.blobIndex, [chunk]);
      for (const { data: later } of fetched) {
        later.then((bytes) => this.#fetchLibraries(program, data, { bytes, start: index * chunkSize })).catch(() => {});
      }
    } else this.#fetchLibraries(program, data);
    this.#fetcher.restOfFile(record);
  }

  #fetchLibraries(program: ElfProgram, head: Buffer, later?: { bytes: Uint8Array; start: number }): void {
    const needed = elfNeeded(program, (offset) => {
      if (offset < head.byteLength) return { bytes: head, start: 0 };
      if (later !== undefined && offset >= later.start && offset < later.start + later.bytes.byteLength) return later;
      return undefined;
    });
    for (const nid of filesNeeded(this.#bootstrap, { machine: program.machine, is64: program.is64, needed })) this.#fetchFile(nid);
  }

  /** File `nid`: whole within the bound, else its first chunk; its first chunk examined on arrival. */
  #fetchFile(nid: number): void {
    let records: ChunkRecord[];
    try {
      records = this.#bootstrap
        .fileChunks(nid)
        .filter((slot) => slot !== HOLE)
        .map((slot) => this.#bootstrap.chunk(slot));
    } catch {
      return;
    }
    const first = records[0];
    if (first === undefined) return;
    const stored = records.reduce((sum, r) => sum + r.compressedSize, 0);
    const wanted = stored <= this.#wholeFileBytes ? records : [first];
    const byBlob = new Map<number, ChunkRecord[]>();
    for (const r of wanted) byBlob.set(r.blobIndex, [...(byBlob.get(r.blobIndex) ?? []), r]);
    for (const [blobIndex, list] of byBlob) {
      const unique = [...new Map(list.map((r) => [r.compressedOffset, r])).values()].sort((a, b) => a.compressedOffset - b.compressedOffset);
      for (const { record, data } of this.#fetcher.fetch(blobIndex, unique)) {
        if (record === first) data.then((bytes) => this.arrived(record, bytes)).catch(() => {});
        else data.catch(() => {});
      }
    }
  }
}
