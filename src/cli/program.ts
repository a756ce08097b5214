import { Command, CommanderError } from 'commander';
import { describeError } from '../errors.js';
import { registerCommands } from './commands.js';
import { versionText } from './version.js';

/**
 * Builds the `darner` command tree and runs it. Every failure ends here as one readable line on
 * stderr and a non-zero exit; commands themselves throw typed errors and never call process.exit.
 */
export async function run(argv: string[]): Promise<void> {
  const program = new Command('darner')
    .description('lazy-loading container images')
    .showHelpAfterError()
    .exitOverride()
    .option('-V, --version', "print darner's version and its native addon's");
  // Computed only when asked for: it loads the native addon, which most commands never need.
  program.on('option:version', () => {
    process.stdout.write(versionText());
    throw new CommanderError(0, 'darner.version', 'version printed');
  });
  registerCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help text).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`darner: ${describeError(err)}\n`);
    process.exitCode = 1;
  }
}
