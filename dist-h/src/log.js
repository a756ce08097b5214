import pino from 'pino';
import { defaultLogFormat, formatLogLine, parseLogFormat } from './log-format.js';
/**
 * The process-wide structured logger. Logs go to stderr so that commands whose stdout is data
 * (`darner inspect --json`) stay parseable. DARNER_LOG_LEVEL sets the level (default `info`,
 * `warn` for one-shot CLI commands, which set it through `setLogLevel`). DARNER_LOG_FORMAT (or
 * `--log-format`) picks `text` or `json` lines; the default is text when stderr is a terminal
 * and JSON otherwise (log files, journald, collectors).
 */
const stderr = pino.destination({ fd: 2, sync: true });
let format = parseLogFormat(process.env.DARNER_LOG_FORMAT) ?? defaultLogFormat(process.stderr.isTTY === true);
export const log = pino({ level: process.env.DARNER_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, { write: (line) => stderr.write(format === 'json' ? line : formatLogLine(line)) });
export function setLogLevel(level) {
    if (process.env.DARNER_LOG_LEVEL === undefined)
        log.level = level;
}
/** Switches the format of the lines written from now on (`--log-format`). */
export function setLogFormat(next) {
    format = next;
}
//# sourceMappingURL=log.js.map