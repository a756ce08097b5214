/**
 * Command-line option helpers shared by every verb: one flag name per concept, the older names
 * kept working as hidden aliases so that scripts written against them keep running.
 */
import { Option, type Command } from 'commander';

/**
 * Adds `flags` (e.g. `--daemon <socket>`) to `command` as a hidden alias that stores its value
 * under `attribute`, the name the canonical option stores under (`socket` for `--socket`).
 */
export function hiddenAlias(command: Command, flags: string, attribute: string): Command {
  const alias = new Option(flags).hideHelp();
  alias.attributeName = () => attribute;
  return command.addOption(alias);
}

/** Appends an `Examples:` section to `command`'s --help. */
export function examples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

/** The sub-command `name` of `parent` (registered by the caller; a missing one is a programming error). */
export function subcommand(parent: Command, name: string): Command {
  const found = parent.commands.find((c) => c.name() === name);
  if (found === undefined) throw new Error(`no command ${name} under ${parent.name()}`);
  return found;
}
