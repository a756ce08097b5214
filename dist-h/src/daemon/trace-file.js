/**
 * Where a mount's access trace goes (`darner mount --record FILE`): the directory is checked when
 * the recording starts, so that a typo fails the mount rather than losing the trace at unmount;
 * the file is written whole (a temporary file renamed over it), never half.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BadRequestError, DarnerError } from '../errors.js';
import { formatAccessTrace } from '../format/access-trace.js';
/** A trace that was recorded but could not be written. */
export class TraceWriteError extends DarnerError {
    constructor(message, options) {
        super('TRACE_WRITE_FAILED', message, options);
    }
}
export async function checkTraceTarget(path) {
    if (!path.startsWith('/'))
        throw new BadRequestError('record must be an absolute path');
    const dir = dirname(path);
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined || !info.isDirectory())
        throw new BadRequestError(`cannot record a trace to ${path}: ${dir} is not a directory`);
    const existing = await stat(path).catch(() => undefined);
    if (existing !== undefined && !existing.isFile())
        throw new BadRequestError(`cannot record a trace to ${path}: it exists and is not a regular file`);
}
/** Stops the recording and writes its trace. */
export async function writeTrace(recording, header) {
    recording.recorder.stop();
    const trace = recording.recorder.trace(header);
    const temporary = `${recording.path}.${process.pid}.tmp`;
    await rm(temporary, { force: true });
    try {
        await writeFile(temporary, formatAccessTrace(trace), { mode: 0o644, flag: 'wx' });
        await rename(temporary, recording.path);
    }
    catch (err) {
        await rm(temporary, { force: true }).catch(() => { });
        throw new TraceWriteError(`cannot write the access trace ${recording.path}: ${err.message}`, { cause: err });
    }
    return trace.files.length;
}
//# sourceMappingURL=trace-file.js.map