/**
 * The verb a `darner` command line names, found before the command tree is built: main.ts starts
 * `darner convert` in a node of its own from it, and commands.ts loads only the pull verb for
 * `darner pull`. Pure.
 */

/**
 * The first word of `args` (the command line after the script) that is not an option, skipping
 * the value of the one global option that takes one (`--log-format`); undefined when there is none.
 */
export function verbOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--log-format') {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
