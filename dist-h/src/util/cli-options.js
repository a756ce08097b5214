/**
 * Command-line option helpers shared by every verb: one flag name per concept, the older names
 * kept working as hidden aliases so that scripts written against them keep running.
 *
 * Written against the few methods of commander's Command they use (src/util imports no
 * package): a commander Command is a CommandLike.
 */
/**
 * Adds `flags` (e.g. `--daemon <socket>`) to `command` as a hidden alias that stores its value
 * under `attribute`, the name the canonical option stores under (`socket` for `--socket`).
 */
export function hiddenAlias(command, flags, attribute) {
    const alias = command.createOption(flags).hideHelp();
    alias.attributeName = () => attribute;
    command.addOption(alias);
    return command;
}
/** Appends an `Examples:` section to `command`'s --help. */
export function examples(command, ...lines) {
    command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    return command;
}
/** The sub-command `name` of `parent` (registered by the caller; a missing one is a programming error). */
export function subcommand(parent, name) {
    const found = parent.commands.find((c) => c.name() === name);
    if (found === undefined)
        throw new Error(`no command ${name} under ${parent.name()}`);
    return found;
}
//# sourceMappingURL=cli-options.js.map