/** `darner get URL|REF [-o FILE] [--digest sha256:…]`: download.ts does the work; docs/mirror.md. */
import { basename } from 'node:path';
import { DEFAULT_SOCKET } from '../daemon/config.js';
import { setLogLevel } from '../log.js';
import { UsageError } from '../errors.js';
import { hiddenAlias } from '../util/cli-options.js';
import { splitUserPassword } from '../util/pairs.js';
export function register(program) {
    const command = program
        .command('get')
        .description('download a file (http(s) URL or OCI blob host/repo@sha256:…) through the peer network, verified')
        .argument('<source>', 'http(s) URL, or host/repo@sha256:<hex>')
        .option('-o, --output <file>', 'where to write it (default: the last part of the URL)')
        .option('--digest <sha256:hex>', 'the file\'s digest: checked before the file is kept; needed to go through the peer network')
        .option('--socket <path>', `the local daemon's control socket, whose mirror serves the download (default: ${DEFAULT_SOCKET})`, DEFAULT_SOCKET)
        .option('--direct', 'straight from the origin, even when a daemon runs')
        .option('--plain-http', 'the registry of an OCI blob speaks http')
        .option('--creds <user:password>', 'credentials for the registry or HTTP server (default for an OCI blob: the docker config)')
        .option('-q, --quiet', 'no progress')
        .action(async (arg, flags) => {
        setLogLevel('warn');
        // Imported when the verb runs: the HTTP client is large, and `darner` starts every verb.
        const [{ DaemonClient }, { download, mirrorUrl, parseGetSource }, { getAuth, refusal }] = await Promise.all([import('../daemon/client.js'), import('./download.js'), import('./auth.js')]);
        const source = parseGetSource(arg, flags.digest, flags.plainHttp === true);
        const creds = flags.creds !== undefined ? splitUserPassword(flags.creds) : undefined;
        if (flags.creds !== undefined && creds === undefined)
            throw new UsageError('--creds must be USER:PASSWORD');
        const output = flags.output ?? (basename(source.url.pathname) || 'download');
        let mirror;
        // The daemon fetches a URL without credentials (its file route takes none): a URL that needs
        // them comes straight from its server. A registry blob's credentials pass through the mirror.
        if (flags.direct !== true && !(creds !== undefined && source.oci === undefined)) {
            const client = new DaemonClient(flags.socket, { timeoutMs: 5000 });
            mirror = await client.status().then((s) => s.mirror, () => undefined);
            await client.close().catch(() => undefined);
        }
        const via = mirror !== undefined ? mirrorUrl(mirror, source) : undefined;
        const tty = process.stderr.isTTY && flags.quiet !== true;
        let shown = 0;
        const auth = getAuth(source, creds);
        const result = await download({
            from: via ?? source.url,
            ranged: true,
            output,
            ...(source.digest !== undefined ? { digest: source.digest } : {}),
            progress: (done, total) => {
                if (!tty || Date.now() - shown < 500)
                    return;
                shown = Date.now();
                process.stderr.write(`\r${done}${total !== undefined ? ` / ${total}` : ''} bytes`);
            },
            ...(auth !== undefined ? { authorize: auth.authorize } : {}),
            refused: auth?.refused ?? ((offered) => refusal(source, creds, offered)),
        }).finally(() => auth?.close());
        if (tty)
            process.stderr.write('\n');
        if (flags.quiet !== true) {
            process.stdout.write(`${output}: ${result.bytes} bytes, ${result.digest}${result.resumed > 0 ? `, resumed after ${result.resumed}` : ''} (${via !== undefined ? 'through the daemon' : 'from the origin'})\n`);
        }
    });
    // `--daemon` was the first name of --socket here; other verbs keep it as a hidden alias too.
    hiddenAlias(command, '--daemon <socket>', 'socket');
}
//# sourceMappingURL=cli.js.map