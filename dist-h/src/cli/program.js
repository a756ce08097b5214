import { Command, CommanderError, Option } from 'commander';
import { describeError, UsageError } from '../errors.js';
import { LOG_FORMATS, parseLogFormat } from '../log-format.js';
import { setLogFormat } from '../log.js';
import { registerCommands } from './commands.js';
import { versionText } from './version.js';
/** The verb path named by `args` (`darner cache ls --bogus` → `darner cache ls`): for "see --help". */
export function commandPath(program, args) {
    const names = [program.name()];
    let command = program;
    for (const arg of args) {
        if (arg.startsWith('-'))
            continue;
        const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
        if (sub === undefined)
            break;
        names.push(sub.name());
        command = sub;
    }
    return names.join(' ');
}
const ENVIRONMENT = `
Environment:
  DARNER_LOG_LEVEL   fatal, error, warn, info, debug or trace (default: info; warn for one-shot commands)
  DARNER_LOG_FORMAT  text or json, as --log-format
  DARNER_PEER_TOKEN  the P2P cluster's shared token (daemon, scheduler, preheat, status)
`;
/** --log-format, else DARNER_LOG_FORMAT when set (a value that is neither is a usage error). */
function applyLogFormat(flag) {
    if (flag !== undefined) {
        setLogFormat(flag);
        return;
    }
    const env = process.env.DARNER_LOG_FORMAT;
    if (env !== undefined && env !== '' && parseLogFormat(env) === undefined) {
        throw new UsageError(`DARNER_LOG_FORMAT ${JSON.stringify(env)} must be ${LOG_FORMATS.join(' or ')}`);
    }
}
/** The `darner` command tree; a usage error's text goes to `outputError` (run() prints it in one line). */
export function buildProgram(outputError = () => undefined) {
    const program = new Command('darner')
        .description('lazy-loading container images')
        // A usage error is one line naming where the whole help is, not the help itself.
        .configureOutput({ outputError })
        .exitOverride()
        .addOption(new Option('--log-format <format>', 'log lines as text or json (default: text when stderr is a terminal, else json)').choices(LOG_FORMATS))
        .addHelpText('after', ENVIRONMENT)
        .hook('preAction', () => applyLogFormat(program.opts().logFormat))
        .option('-V, --version', "print darner's version and its native addon's");
    // Computed only when asked for: it loads the native addon, which most commands never need.
    program.on('option:version', () => {
        process.stdout.write(versionText());
        throw new CommanderError(0, 'darner.version', 'version printed');
    });
    registerCommands(program);
    return program;
}
/**
 * Builds the `darner` command tree and runs it. Every failure ends here as one readable line on
 * stderr and a non-zero exit; commands themselves throw typed errors and never call process.exit.
 */
export async function run(argv) {
    let usage;
    const program = buildProgram((text) => {
        usage = text.trim().replace(/^error: /, '');
    });
    try {
        await program.parseAsync(argv);
    }
    catch (err) {
        if (err instanceof CommanderError) {
            if (usage !== undefined)
                process.stderr.write(`darner: ${usage} [USAGE] (see '${commandPath(program, argv.slice(2))} --help')\n`);
            // Otherwise commander already printed what was asked (the help text, a version).
            process.exitCode = err.exitCode === 0 ? 0 : 2;
            return;
        }
        process.stderr.write(`darner: ${describeError(err)}\n`);
        process.exitCode = 1;
    }
}
//# sourceMappingURL=program.js.map