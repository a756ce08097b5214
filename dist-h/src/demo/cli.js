import { setLogLevel } from '../log.js';
/**
 * `darner demo`: build, convert, mount lazily, read, measure, clean up (see run-demo.ts).
 * `convertImage` comes from the top (src/cli): src/ modules never import the converter.
 */
export function register(program, convertImage) {
    program
        .command('demo')
        .description('run the whole job on a small embedded image: build, convert, mount lazily, read, show what was fetched')
        .option('--dir <dir>', 'where to make the temporary work directory (default: the OS temp dir)')
        .option('--keep', 'leave the daemon running and the image mounted')
        .action(async (opts) => {
        setLogLevel('warn');
        const { runDemo } = await import('./run-demo.js');
        await runDemo(convertImage, { ...(opts.dir !== undefined ? { dir: opts.dir } : {}), ...(opts.keep ? { keep: true } : {}) });
    });
}
//# sourceMappingURL=cli.js.map