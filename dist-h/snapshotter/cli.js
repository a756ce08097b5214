import { examples, hiddenAlias } from '../src/util/cli-options.js';
import { loadConfig } from './config.js';
/**
 * `darner snapshotter`: containerd's snapshot API as a proxy plugin on a unix socket. The work
 * (serve.ts) is imported when the verb runs, so that `darner` starts quickly whatever it is asked.
 */
export function register(program) {
    const command = program
        .command('snapshotter')
        .description('serve containerd\'s snapshot API (proxy plugin) on a unix socket')
        .option('--socket <path>', 'unix socket to listen on (default: /run/darner/snapshotter.sock)')
        .option('--root <dir>', 'state directory (default: /var/lib/darner/snapshotter)')
        .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: off)')
        .option('--config <file>', 'TOML configuration file; flags override it')
        .action(async (opts) => {
        const config = loadConfig(opts.config, { address: opts.socket, root: opts.root, metrics: opts.metrics });
        const { serveSnapshotter } = await import('./serve.js');
        await serveSnapshotter(config);
    });
    hiddenAlias(command, '--address <socket>', 'socket');
    examples(command, 'darner snapshotter', 'darner snapshotter --config /etc/darner/snapshotter.toml --metrics 127.0.0.1:9102');
}
//# sourceMappingURL=cli.js.map