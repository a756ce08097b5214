import pino, { type Logger } from 'pino';

/**
 * The process-wide structured logger. Logs go to stderr so that commands whose stdout is data
 * (`darner inspect --json`) stay parseable. DARNER_LOG_LEVEL sets the level (default `info`,
 * `warn` for one-shot CLI commands, which set it through `setLogLevel`).
 */
export const log: Logger = pino(
  { level: process.env.DARNER_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination({ fd: 2, sync: true }),
);

export function setLogLevel(level: string): void {
  if (process.env.DARNER_LOG_LEVEL === undefined) log.level = level;
}

export type { Logger };
