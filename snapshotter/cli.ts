import type { Command } from 'commander';
import { loadConfig } from './config.js';

/**
 * `darner snapshotter`: containerd's snapshot API as a proxy plugin on a unix socket. The work
 * (serve.ts) is imported when the verb runs, so that `darner` starts quickly whatever it is asked.
 */
export function register(program: Command): void {
  program
    .command('snapshotter')
    .description('serve containerd\'s snapshot API (proxy plugin) on a unix socket')
    .option('--address <socket>', 'unix socket to listen on (default /run/darner/snapshotter.sock)')
    .option('--root <dir>', 'state directory (default /var/lib/darner/snapshotter)')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: off)')
    .option('--config <file>', 'TOML configuration file; flags override it')
    .action(async (opts: { address?: string; root?: string; metrics?: string; config?: string }) => {
      const config = loadConfig(opts.config, { address: opts.address, root: opts.root, metrics: opts.metrics });
      const { serveSnapshotter } = await import('./serve.js');
      await serveSnapshotter(config);
    });
}
