/**
 * /proc/self/mountinfo, parsed. Line format: `id parent major:minor root mountpoint options
 * [optional fields...] - fstype source superoptions`; paths have the kernel's octal escapes.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
const MOUNTINFO = '/proc/self/mountinfo';
function unescape(field) {
    return field.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
}
/** Entries of a mountinfo text (malformed lines skipped). */
export function parseMountInfo(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const fields = line.split(' ');
        const dash = fields.indexOf('-', 6);
        const mountPoint = fields[4];
        const fsType = fields[dash + 1];
        const source = fields[dash + 2];
        if (dash < 0 || mountPoint === undefined || fsType === undefined || source === undefined)
            continue;
        out.push({ mountPoint: unescape(mountPoint), fsType, source: unescape(source) });
    }
    return out;
}
/** The mount points of a mountinfo text (field 5 of every line that has one). */
export function parseMountPoints(text) {
    const points = [];
    for (const line of text.split('\n')) {
        const field = line.split(' ')[4];
        if (field)
            points.push(unescape(field));
    }
    return points;
}
/** This process's mountinfo text ('' where /proc is absent). */
export function readMountInfo() {
    try {
        return readFileSync(MOUNTINFO, 'utf8');
    }
    catch {
        return '';
    }
}
/** The mounts of this process's mount namespace ([] where /proc is absent). */
export async function readMounts() {
    try {
        return parseMountInfo(await readFile(MOUNTINFO, 'utf8'));
    }
    catch {
        return [];
    }
}
//# sourceMappingURL=mountinfo.js.map