/**
 * Progress as whole lines, for a stderr that is not a terminal (CI logs, files): where a terminal
 * gets redrawn bars, a log gets one line when a step starts, at each quarter of a layer, and when
 * it ends. Pure: lines go to the `write` callback.
 */
import { humanBytes } from '../src/format-bytes.js';
/** `darner convert` progress lines. */
export function convertProgressLines(write) {
    const layers = new Map();
    return {
        phase(name, detail) {
            const what = { resolve: 'resolving', bootstrap: 'writing the bootstrap', push: 'pushing' }[name];
            write(`convert: ${what}${detail !== undefined ? ` ${detail}` : ''}`);
        },
        platform(name, index, count) {
            layers.clear();
            write(`convert: platform ${name} (${index + 1}/${count})`);
        },
        layerStart(index, count, descriptor) {
            layers.set(index, { count, size: descriptor.size, done: 0, quarter: 0 });
            write(`convert: layer ${index + 1}/${count} ${descriptor.digest} (${humanBytes(descriptor.size)}): reading`);
        },
        layerBytes(index, n) {
            const layer = layers.get(index);
            if (layer === undefined || layer.size <= 0)
                return;
            layer.done += n;
            const quarter = Math.min(3, Math.floor((layer.done / layer.size) * 4));
            if (quarter > layer.quarter) {
                layer.quarter = quarter;
                write(`convert: layer ${index + 1}/${layer.count}: ${quarter * 25}% (${humanBytes(Math.min(layer.done, layer.size))} of ${humanBytes(layer.size)})`);
            }
        },
        layerDone(index, stats) {
            const layer = layers.get(index);
            write(`convert: layer ${index + 1}/${layer?.count ?? '?'}: done, ${stats.chunks} chunks (${stats.uniqueChunks} unique), ${humanBytes(stats.fileBytes)} of file data`);
        },
    };
}
/** How many verified bytes between two `darner check` progress lines. */
export const CHECK_BYTES_STEP = 256 * 1024 * 1024;
/** `darner check` progress lines. */
export function checkProgressLines(write) {
    let verified = 0;
    let reported = 0;
    return {
        phase(name, detail) {
            const what = { target: 'reading the darner image', blobs: 'verifying its blobs', source: 'reading the source image', compare: 'comparing' }[name];
            if (name === 'source' && verified > reported)
                write(`check: verified ${humanBytes(verified)}`);
            write(`check: ${what}${detail !== undefined ? ` ${detail}` : ''}`);
        },
        bytes(n) {
            verified += n;
            if (verified - reported >= CHECK_BYTES_STEP) {
                reported = verified;
                write(`check: verified ${humanBytes(verified)}`);
            }
        },
    };
}
//# sourceMappingURL=progress-lines.js.map