import { Command, CommanderError } from 'commander';
import { describeError } from '../errors.js';
import { registerCommands } from './commands.js';

/**
 * Builds the `darner` command tree and runs it. Every failure ends here as one readable line on
 * stderr and a non-zero exit; commands themselves throw typed errors and never call process.exit.
 */
export async function run(argv: string[]): Promise<void> {
  const program = new Command('darner')
    .description('lazy-loading container images')
    .showHelpAfterError()
    .exitOverride();
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
