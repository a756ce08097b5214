/**
 * The text log format: one pino JSON line as one line a person reads at a terminal,
 * `2026-12-07T14:22:06.123Z WARN  registry request failed; retrying registry=host:5000 attempt=2`.
 * Pure; no I/O.
 */
export const LOG_FORMATS = ['text', 'json'];
const LEVEL_NAMES = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, shown in the line's head (or not at all) rather than as key=value. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);
/** A field's value: bare when it reads unambiguously (numbers, words), else quoted JSON text. */
function fieldValue(v) {
    if (typeof v === 'number' || typeof v === 'boolean' || v === null)
        return String(v);
    const text = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
    return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
/** `line` (one pino JSON line, with or without its newline) as text; not JSON: unchanged. */
export function formatLogLine(line) {
    let record;
    try {
        record = JSON.parse(line);
    }
    catch {
        return line.endsWith('\n') ? line : `${line}\n`;
    }
    const level = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? String(record.level)) : String(record.level ?? '');
    const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '';
    const fields = Object.entries(record)
        .filter(([k, v]) => !HEAD_FIELDS.has(k) && v !== undefined)
        .map(([k, v]) => `${k}=${fieldValue(v)}`);
    const msg = typeof record.msg === 'string' ? record.msg : '';
    return `${[time, level.padEnd(5), msg, ...fields].filter((p) => p !== '').join(' ')}\n`;
}
/** The format DARNER_LOG_FORMAT (or a flag) names; undefined for anything else. */
export function parseLogFormat(text) {
    const t = text?.trim().toLowerCase();
    return LOG_FORMATS.find((f) => f === t);
}
/** Text when stderr is a terminal (a person reads it), JSON otherwise (a collector reads it). */
export function defaultLogFormat(stderrIsTty) {
    return stderrIsTty ? 'text' : 'json';
}
//# sourceMappingURL=log-format.js.map