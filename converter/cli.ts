import { readFile, stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { ImageStoreOptions } from '../src/blob/image-store.js';
import { humanBytes } from '../src/format-bytes.js';
import { DarnerError, UsageError } from '../src/errors.js';
import { setLogLevel } from '../src/log.js';
import { splitUserPassword } from '../src/util/pairs.js';
import { parseSize } from '../src/util/size.js';
import { isDataBlobLayer } from '../src/oci/layer-kind.js';
import type { SingleBar } from 'cli-progress';
import type { ConvertProgress, ConvertSummary } from './convert.js';
import type { ConvertResult, IndexConvertSummary } from './convert-platforms.js';
import { checkProgressLines, convertProgressLines } from './progress-lines.js';

/**
 * `darner convert | check | expand | inspect`. The work itself is imported when a verb runs, so
 * that `darner` starts quickly whatever it is asked to do.
 */

/** A byte size flag (src/util/size.ts: `1048576`, `1M`, `1MiB`, `64k`, `0x100000`). */
function parseSizeFlag(text: string): number {
  const size = parseSize(text);
  if (size === undefined) throw new UsageError(`bad size "${text}" (examples: 4096, 64K, 1M, 0x100000)`);
  return size;
}

/** A positive whole number given to `flag`. */
function parseCount(text: string, flag: string): number {
  const n = /^[0-9]{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag}: "${text}" is not a positive whole number`);
  return n;
}

/** Reads a file named by `flag`; a failure names the flag and the file in its one line. */
async function readFlagFile(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`${flag} ${file}: cannot read the file (${why})`);
  }
}

function parseCreds(text: string | undefined): { username?: string; password?: string } {
  if (text === undefined) return {};
  const credentials = splitUserPassword(text);
  if (credentials === undefined) throw new UsageError('credentials must be USERNAME:PASSWORD');
  return credentials;
}

interface AccessFlags {
  plainHttp?: boolean;
  creds?: string;
  srcCreds?: string;
  destCreds?: string;
  authfile?: string;
  platform?: string;
}

function storeOptions(flags: AccessFlags, side: 'src' | 'dest'): ImageStoreOptions {
  const options: ImageStoreOptions = {};
  if (flags.plainHttp) options.plainHttp = true;
  if (flags.authfile !== undefined) options.dockerConfigPath = flags.authfile;
  Object.assign(options, parseCreds(side === 'src' ? (flags.srcCreds ?? flags.creds) : (flags.destCreds ?? flags.creds)));
  if (side === 'src' && flags.platform !== undefined) options.platform = flags.platform;
  return options;
}

const PLATFORM_HELP = "image to pick from a multi-platform index (default: this host's)";

function addAccessOptions(command: Command, sides: Array<'src' | 'dest'>, platformHelp = PLATFORM_HELP): Command {
  command
    .option('--plain-http', 'speak plain http to registries that are not on loopback')
    .option('--authfile <file>', 'docker config file with registry credentials (default: ~/.docker/config.json)')
    .option('--creds <user:password>', 'registry credentials for every registry involved');
  if (sides.includes('src')) command.option('--src-creds <user:password>', 'credentials for the source registry');
  if (sides.includes('dest')) command.option('--dest-creds <user:password>', 'credentials for the target registry');
  command.option('--platform <os/arch[/variant]>', platformHelp);
  return command;
}

const writeLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Progress bars per layer on a terminal; progress lines otherwise (a CI log, a file). */
async function terminalProgress(): Promise<{ progress: ConvertProgress; stop(): void }> {
  if (!process.stderr.isTTY) return { progress: convertProgressLines(writeLine), stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {name} [{bar}] {percentage}% {done}/{size}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const layerBars = new Map<number, { bar: SingleBar; done: number; size: number }>();
  let platform = '';
  const progress: ConvertProgress = {
    platform(name) {
      layerBars.clear();
      platform = `${name} `;
    },
    layerStart(index, count, descriptor) {
      const bar = bars.create(descriptor.size, 0, { name: `${platform}layer ${index + 1}/${count}`, done: humanBytes(0), size: humanBytes(descriptor.size) });
      layerBars.set(index, { bar, done: 0, size: descriptor.size });
    },
    layerBytes(index, n) {
      const entry = layerBars.get(index);
      if (!entry) return;
      entry.done += n;
      entry.bar.update(entry.done, { done: humanBytes(entry.done) });
    },
    layerDone(index) {
      const entry = layerBars.get(index);
      entry?.bar.update(entry.size, { done: humanBytes(entry.size) });
    },
  };
  return { progress, stop: () => bars.stop() };
}

export function formatSummary(s: ConvertSummary): string {
  const seconds = s.durationMs / 1000;
  return [
    `converted ${s.source} -> ${s.target}`,
    ...(s.platform !== undefined ? [`platform: ${s.platform}`] : []),
    `manifest: ${s.manifestDigest}`,
    `input: ${humanBytes(s.inputBytes)} stored, ${humanBytes(s.inputTarBytes)} uncompressed (${humanBytes(s.fileBytes)} of file data)`,
    `output: ${humanBytes(s.outputBytes)} in ${s.blobs} data blob(s)${s.dictionaryBlobs > 0 ? ` (+${s.dictionaryBlobs} from the chunk dictionary)` : ''} and a ${humanBytes(s.bootstrapBytes)} bootstrap`,
    `chunks: ${s.chunks} total, ${s.uniqueChunks} unique, ${s.duplicateChunks} duplicate, ${s.dictionaryChunks} from the dictionary, ${s.zeroChunks} all-zero`,
    `time: ${seconds.toFixed(2)} s (${(s.inputTarBytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)} MB/s of uncompressed input)`,
    ...(s.unmatchedPrefetchPatterns.length > 0 ? [`prefetch patterns that matched nothing: ${s.unmatchedPrefetchPatterns.join(', ')}`] : []),
  ].join('\n');
}

/** The summary of a multi-platform conversion: the index, then each platform's summary. */
export function formatIndexSummary(s: IndexConvertSummary): string {
  const names = s.platforms.map((p) => p.platform);
  const dataBlobs = s.platforms.flatMap((p) => p.manifest.layers.filter(isDataBlobLayer).map((l) => l.digest));
  const distinct = new Set(dataBlobs).size;
  return [
    `converted ${s.source} -> ${s.target}: an index of ${names.length} platforms (${names.join(', ')})`,
    `index: ${s.indexDigest}`,
    `data blobs: ${distinct} distinct over all platforms${distinct < dataBlobs.length ? ` (${dataBlobs.length - distinct} shared by platforms, stored once)` : ''}`,
    ...s.platforms.flatMap((p) => [
      `platform ${p.platform}:`,
      ...formatSummary(p)
        .split('\n')
        .filter((line) => !line.startsWith('converted ') && !line.startsWith('platform: '))
        .map((line) => `  ${line}`),
    ]),
    `time: ${(s.durationMs / 1000).toFixed(2)} s in all`,
  ].join('\n');
}

async function readTraceFile(path: string): Promise<import('../src/format/access-trace.js').AccessTrace> {
  const { MAX_TRACE_BYTES, parseAccessTrace } = await import('../src/format/access-trace.js');
  const size = (await stat(path).catch(() => undefined))?.size;
  if (size !== undefined && size > MAX_TRACE_BYTES) throw new UsageError(`--prefetch-trace ${path}: larger than ${MAX_TRACE_BYTES} bytes`);
  return parseAccessTrace(await readFlagFile(path, '--prefetch-trace'));
}

export function register(program: Command): void {
  addAccessOptions(
    program
      .command('convert')
      .description('convert an OCI image into a darner image (chunked, deduplicated blobs + EROFS bootstrap)')
      .argument('<source>', 'oci:DIR[:TAG] | docker-archive:PATH | docker://HOST/REPO[:TAG|@DIGEST] | HOST/REPO[:TAG]')
      .argument('<target>', 'oci:DIR[:TAG] | docker://HOST/REPO[:TAG] | HOST/REPO[:TAG]')
      .option('--chunk-size <size>', 'chunk size, a power of two from 4K to 16M', '1M')
      .addOption(new Option('--digest <algorithm>', 'chunk digest').choices(['blake3', 'sha256']).default('blake3'))
      .addOption(new Option('--compressor <name>', 'chunk compression').choices(['zstd', 'none']).default('zstd'))
      .option('--compression-level <n>', 'zstd level', '3')
      .option('--chunk-dict <image|bootstrap>', 'reuse chunks of an earlier darner image (reference or bootstrap file)')
      .option('--prefetch-patterns <file>', 'file listing absolute paths to prefetch on mount, one per line')
      .option('--prefetch-trace <file>', 'access trace (darner mount --record): prefetch its files in access order, stored first in the blobs')
      .option('--work-dir <dir>', 'where blobs are assembled before upload (default: the OS temp dir)')
      .option('--max-entries <n>', 'refuse a source image with more tar entries than this, over all layers', String(4 * 1024 * 1024))
      .addOption(
        new Option('--layer-annotations <style>', "publish the layers under darner's media type and annotations, or Nydus's (as nydusify does; nydus-snapshotter then mounts the image with nydusd)")
          .choices(['darner', 'nydus'])
          .default('darner'),
      )
      .option('--overwrite', "allow the target to be the source's own tag (re-points it at the converted image)")
      .option('--json', 'print the summary as JSON'),
    ['src', 'dest'],
    'platforms to convert from a multi-platform index, a comma list, e.g. linux/amd64,linux/arm64 (default: all it has)',
  ).action(async (source: string, target: string, flags: AccessFlags & Record<string, string | boolean | undefined>) => {
    setLogLevel('error');
    const { validateChunkSize } = await import('./convert.js');
    const { convertPlatforms } = await import('./convert-platforms.js');
    const { parsePlatformList } = await import('../src/oci/platform.js');
    const platforms = flags.platform !== undefined ? parsePlatformList(flags.platform) : undefined;
    const { parsePrefetchPatterns } = await import('./prefetch.js');
    const level = Number(flags.compressionLevel);
    if (!Number.isInteger(level) || level < 1 || level > 22) throw new UsageError(`bad zstd level ${String(flags.compressionLevel)} (1..22)`);
    const prefetchPatterns =
      typeof flags.prefetchPatterns === 'string' ? parsePrefetchPatterns(await readFlagFile(flags.prefetchPatterns, '--prefetch-patterns')) : undefined;
    const maxEntries = parseCount(String(flags.maxEntries), '--max-entries');
    const prefetchTrace = typeof flags.prefetchTrace === 'string' ? await readTraceFile(flags.prefetchTrace) : undefined;
    const { parseSourceDateEpoch } = await import('./build-time.js');
    const sourceDateEpoch = parseSourceDateEpoch(process.env.SOURCE_DATE_EPOCH);
    const ui = await terminalProgress();
    let result: ConvertResult;
    try {
      result = await convertPlatforms(source, target, {
        ...(platforms ? { platforms } : {}),
        chunkSize: validateChunkSize(parseSizeFlag(String(flags.chunkSize))),
        digestAlgorithm: flags.digest as 'blake3' | 'sha256',
        compressor: flags.compressor as 'zstd' | 'none',
        compressionLevel: level,
        ...(typeof flags.chunkDict === 'string' ? { chunkDict: flags.chunkDict } : {}),
        ...(prefetchPatterns ? { prefetchPatterns } : {}),
        ...(prefetchTrace ? { prefetchTrace } : {}),
        ...(typeof flags.workDir === 'string' ? { workDir: flags.workDir } : {}),
        maxEntries,
        ...(sourceDateEpoch !== undefined ? { sourceDateEpoch } : {}),
        layerAnnotations: flags.layerAnnotations as 'darner' | 'nydus',
        overwrite: flags.overwrite === true,
        source: storeOptions({ ...flags, platform: undefined }, 'src'),
        target: storeOptions(flags, 'dest'),
        progress: ui.progress,
      });
    } finally {
      ui.stop();
    }
    const withoutManifest = ({ manifest: _manifest, ...rest }: ConvertSummary): Omit<ConvertSummary, 'manifest'> => rest;
    if (flags.json) {
      const json = result.kind === 'index' ? { ...result.summary, platforms: result.summary.platforms.map(withoutManifest) } : withoutManifest(result.summary);
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      process.stdout.write(`${result.kind === 'index' ? formatIndexSummary(result.summary) : formatSummary(result.summary)}\n`);
    }
  });

  addAccessOptions(
    program
      .command('check')
      .description('compare a converted image with its source: every path, attribute, xattr, hard link and file byte')
      .argument('<source>', 'the OCI image that was converted')
      .argument('<target>', 'the darner image')
      .option('--max-entries <n>', 'refuse a source image with more tar entries than this, over all layers', String(4 * 1024 * 1024))
      .option('--json', 'print the report as JSON'),
    ['src', 'dest'],
    'platforms of a multi-platform darner image to check, a comma list (default: all it has)',
  ).action(async (source: string, target: string, flags: AccessFlags & { json?: boolean; maxEntries: string }) => {
    setLogLevel('error');
    const maxEntries = parseCount(flags.maxEntries, '--max-entries');
    const { checkPlatforms } = await import('./check-platforms.js');
    const { parsePlatformList } = await import('../src/oci/platform.js');
    const { formatDifference } = await import('../src/fstree/index.js');
    const platforms = flags.platform !== undefined ? parsePlatformList(flags.platform) : undefined;
    const results = await checkPlatforms(source, target, {
      source: storeOptions({ ...flags, platform: undefined }, 'src'),
      target: storeOptions(flags, 'dest'),
      maxEntries,
      ...(platforms ? { platforms } : {}),
      // A terminal shows the result at once; a log gets a line per step.
      ...(process.stderr.isTTY ? {} : { progress: checkProgressLines(writeLine), onPlatform: (p: string, i: number, n: number) => writeLine(`check: platform ${p} (${i + 1}/${n})`) }),
    });
    const failed = results.filter(({ report }) => report.differences.length > 0 || report.badBlobs.length > 0);
    if (flags.json) {
      const json = results.length === 1 && results[0]!.platform === undefined ? results[0]!.report : results;
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      for (const { platform, report } of results) {
        const prefix = platform !== undefined ? `${platform}: ` : '';
        for (const d of report.differences) process.stdout.write(`${prefix}${formatDifference(d)}\n`);
        for (const blob of report.badBlobs) process.stdout.write(`${prefix}blob ${blob}: stored bytes do not match its digest\n`);
        const ok = report.differences.length === 0 && report.badBlobs.length === 0;
        process.stdout.write(
          ok
            ? `${prefix}identical: ${report.targetEntries} entries checked\n`
            : `${prefix}${report.differences.length} difference(s), ${report.badChunks.length} bad chunk(s), ${report.badBlobs.length} bad blob(s)\n`,
        );
      }
    }
    if (failed.length > 0) {
      const which = failed.map((f) => f.platform).filter((p) => p !== undefined);
      throw new DarnerError('CHECK_FAILED', `${target} differs from ${source}${which.length > 0 ? ` (platform ${which.join(', ')})` : ''}`);
    }
  });

  addAccessOptions(
    program
      .command('expand')
      .description('write each blob\'s uncompressed address space plus image.boot and devices, for mount -t erofs / fsck.erofs')
      .argument('<image>', 'a darner image reference')
      .argument('<dir>', 'output directory'),
    ['src'],
  ).action(async (image: string, dir: string, flags: AccessFlags) => {
    setLogLevel('error');
    const { expandImage } = await import('./expand.js');
    const result = await expandImage(image, dir, storeOptions(flags, 'src'));
    process.stdout.write(`${result.bootstrap}\n${result.devices.map((d) => `${d}\n`).join('')}`);
  });

  addAccessOptions(
    program
      .command('inspect')
      .description("show a darner image's bootstrap: tree, blobs, chunk counts, dedup and compression ratios")
      .argument('<image|bootstrap>', 'a darner image reference or a bootstrap file')
      .option('--tree', 'list every entry')
      .option('--json', 'print as JSON'),
    ['src'],
  ).action(async (image: string, flags: AccessFlags & { tree?: boolean; json?: boolean }) => {
    setLogLevel('error');
    const { Bootstrap } = await import('../src/format/index.js');
    const { loadImageBootstrap } = await import('../src/image/bootstrap-layer.js');
    const { formatInspectReport, inspectMetadata } = await import('./inspect.js');
    let bytes: Buffer;
    if (await stat(image).then((s) => s.isFile(), () => false)) {
      bytes = await readFile(image);
    } else {
      const loaded = await loadImageBootstrap(image, storeOptions(flags, 'src'));
      await loaded.source.close();
      bytes = loaded.bootstrapBytes;
    }
    const report = inspectMetadata(Bootstrap.parse(bytes).toMetadata(), bytes.byteLength, flags.tree === true || flags.json === true);
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspectReport(report)}\n`);
  });
}
