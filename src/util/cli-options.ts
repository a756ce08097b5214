/**
 * Command-line option helpers shared by every verb: one flag name per concept, the older names
 * kept working as hidden aliases so that scripts written against them keep running.
 *
 * Written against the few methods of commander's Command they use (src/util imports no
 * package): a commander Command is a CommandLike.
 */

/** The part of commander's Option the helpers use. */
export interface OptionLike {
  hideHelp(): OptionLike;
  attributeName(): string;
}

/** The part of commander's Command the helpers use. */
export interface CommandLike {
  createOption(flags: string): OptionLike;
  addOption(option: OptionLike): unknown;
  addHelpText(position: 'after', text: string): unknown;
  readonly commands: readonly CommandLike[];
  name(): string;
}

/**
 * Adds `flags` (e.g. `--daemon <socket>`) to `command` as a hidden alias that stores its value
 * under `attribute`, the name the canonical option stores under (`socket` for `--socket`).
 */
export function hiddenAlias<C extends CommandLike>(command: C, flags: string, attribute: string): C {
  const alias = command.createOption(flags).hideHelp();
  alias.attributeName = () => attribute;
  command.addOption(alias);
  return command;
}

/** Appends an `Examples:` section to `command`'s --help. */
export function examples<C extends CommandLike>(command: C, ...lines: string[]): C {
  command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  return command;
}

/** The sub-command `name` of `parent` (registered by the caller; a missing one is a programming error). */
export function subcommand<C extends CommandLike>(parent: C, name: string): C {
  const found = parent.commands.find((c) => c.name() === name);
  if (found === undefined) throw new Error(`no command ${name} under ${parent.name()}`);
  return found as C;
}
