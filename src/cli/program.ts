import { Command, CommanderError } from 'commander';
import { describeError } from '../errors.js';
import { registerCommands } from './commands.js';

/** The verb path named by `args` (`darner cache ls --bogus` → `darner cache ls`): for "see --help". */
export function commandPath(program: Command, args: readonly string[]): string {
  const names = [program.name()];
  let command = program;
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) break;
    names.push(sub.name());
    command = sub;
  }
  return names.join(' ');
}

/**
 * Builds the `darner` command tree and runs it. Every failure ends here as one readable line on
 * stderr and a non-zero exit; commands themselves throw typed errors and never call process.exit.
 */
export async function run(argv: string[]): Promise<void> {
  let usage: string | undefined;
  const program = new Command('darner')
    .description('lazy-loading container images')
    // A usage error is one line naming where the whole help is, not the help itself.
    .configureOutput({ outputError: (text) => { usage = text.trim().replace(/^error: /, ''); } })
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (usage !== undefined) process.stderr.write(`darner: ${usage} [USAGE] (see '${commandPath(program, argv.slice(2))} --help')\n`);
      // Otherwise commander already printed what was asked (the help text, a version).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`darner: ${describeError(err)}\n`);
    process.exitCode = 1;
  }
}
