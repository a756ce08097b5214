import { InvalidArgumentError } from '../src/errors.js';
/**
 * Label rules of containerd's snapshot metadata, pure:
 * - key plus value of one label is at most 4096 bytes (containerd's labels.Validate);
 * - an empty value means "no label": it is never stored (boltutil.WriteLabels);
 * - Update follows storage.UpdateInfo: path `labels.K` copies K from the request (an absent or
 *   empty value deletes it), path `labels` or no path at all replaces every label, any other
 *   path is INVALID_ARGUMENT.
 */
export const MAX_LABEL_BYTES = 4096;
/** Throws InvalidArgumentError for the first label whose key plus value exceeds 4096 bytes. */
export function validateLabels(labels) {
    for (const [key, value] of Object.entries(labels)) {
        const size = Buffer.byteLength(key) + Buffer.byteLength(value);
        if (size > MAX_LABEL_BYTES) {
            // containerd shows only the start of the key; a whole key is more useful and still one line.
            const shown = key.length > 80 ? `${key.slice(0, 80)}...` : key;
            throw new InvalidArgumentError(`label key and value greater than maximum size (${MAX_LABEL_BYTES} bytes), key: ${shown}`);
        }
    }
}
/** A copy without empty values, as containerd stores labels. */
export function normalizeLabels(labels) {
    const out = {};
    if (!labels)
        return out;
    for (const [key, value] of Object.entries(labels)) {
        if (value !== '')
            out[key] = value;
    }
    return out;
}
/**
 * The labels after an Update with `paths` (the FieldMask) and the request's `requested` labels.
 * Throws InvalidArgumentError naming the first path that is neither `labels` nor `labels.<key>`.
 */
export function applyLabelUpdate(name, current, requested, paths) {
    if (paths.length === 0)
        return normalizeLabels(requested);
    let updated = { ...current };
    for (const path of paths) {
        if (path.startsWith('labels.')) {
            const key = path.slice('labels.'.length);
            const value = Object.hasOwn(requested, key) ? requested[key] : undefined;
            if (value === undefined || value === '')
                delete updated[key];
            else
                updated[key] = value;
        }
        else if (path === 'labels') {
            updated = { ...requested };
        }
        else {
            throw new InvalidArgumentError(`cannot update "${path}" field on snapshot "${name}"`);
        }
    }
    return normalizeLabels(updated);
}
//# sourceMappingURL=labels.js.map