import { BadTarError } from '../src/errors.js';
/**
 * Applies OCI layers, entry by entry, to one merged image tree (pure: no I/O).
 *
 * The rules are the image-spec's "Applying Changesets":
 * - `.wh.<name>` deletes `<name>` (and everything under it) from the layers below; it never hides
 *   an entry of its own layer.
 * - `.wh..wh..opq` in a directory deletes every child that came from the layers below; children
 *   added by the same layer, before or after the marker, stay.
 * - An entry replaces whatever the lower layers had at its path, except that a directory over a
 *   directory keeps the lower children and takes the upper attributes.
 * - A hard link names the node that is at its target path at that moment (same layer or below).
 * - Parent directories missing from a layer are created as `0755 root:root` with mtime 0 (the
 *   same defaults everywhere in darner so that conversion and `darner check` agree).
 */
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
export function whiteoutKind(name) {
    if (name === OPAQUE_MARKER)
        return 'opaque';
    if (name.startsWith(WHITEOUT_PREFIX))
        return 'whiteout';
    return 'none';
}
export function newDirectory(attrs) {
    return {
        kind: 'dir',
        permissions: attrs?.permissions ?? 0o755,
        uid: attrs?.uid ?? 0,
        gid: attrs?.gid ?? 0,
        mtime: attrs?.mtime ?? 0,
        mtimeNsec: attrs?.mtimeNsec ?? 0,
        xattrs: attrs?.xattrs ?? new Map(),
        entries: new Map(),
    };
}
function attributesOf(entry) {
    return {
        permissions: entry.permissions,
        uid: entry.uid,
        gid: entry.gid,
        mtime: entry.mtime,
        mtimeNsec: entry.mtimeNsec,
        xattrs: entry.xattrs,
    };
}
function splitPath(path) {
    const parts = path.split('/');
    const name = parts.pop();
    return { parent: parts, name };
}
export class LayerMerger {
    root;
    /** Names each directory received from the layer being applied (for whiteout/opaque rules). */
    layerNames = new Map();
    layerIndex = -1;
    constructor(root = newDirectory()) {
        this.root = root;
    }
    /** Starts a new layer; entries applied from now on belong to it. */
    beginLayer() {
        this.layerIndex += 1;
        this.layerNames = new Map();
    }
    /**
     * Applies one entry. For a regular file it returns the new FileNode, whose `chunks` the caller
     * fills in as the file's data is chunked; for anything else it returns undefined.
     */
    apply(entry) {
        if (this.layerIndex < 0)
            throw new Error('LayerMerger.apply called before beginLayer');
        if (entry.path === '') {
            this.setAttributes(this.root, entry);
            return undefined;
        }
        const { parent, name } = splitPath(entry.path);
        const dir = this.ensureDirectory(parent, entry.path);
        switch (whiteoutKind(name)) {
            case 'opaque':
                this.makeOpaque(dir);
                return undefined;
            case 'whiteout': {
                const hidden = name.slice(WHITEOUT_PREFIX.length);
                if (hidden !== '' && hidden !== '.' && hidden !== '..' && !this.namesOf(dir).has(hidden))
                    dir.entries.delete(hidden);
                return undefined;
            }
            case 'none':
                break;
        }
        const existing = dir.entries.get(name);
        this.namesOf(dir).add(name);
        switch (entry.kind) {
            case 'dir': {
                if (existing?.kind === 'dir') {
                    this.setAttributes(existing, entry);
                }
                else {
                    dir.entries.set(name, newDirectory(attributesOf(entry)));
                }
                return undefined;
            }
            case 'file': {
                const node = { kind: 'file', ...attributesOf(entry), size: entry.size, chunks: [] };
                dir.entries.set(name, node);
                return node;
            }
            case 'symlink':
                dir.entries.set(name, { kind: 'symlink', ...attributesOf(entry), target: entry.linkTarget });
                return undefined;
            case 'chardev':
            case 'blockdev':
                dir.entries.set(name, { kind: entry.kind, ...attributesOf(entry), major: entry.devMajor, minor: entry.devMinor });
                return undefined;
            case 'fifo':
                dir.entries.set(name, { kind: 'fifo', ...attributesOf(entry) });
                return undefined;
            case 'hardlink': {
                const target = this.lookup(entry.linkTarget);
                if (target === undefined) {
                    throw new BadTarError(`hardlink "${entry.path}" points at "${entry.linkTarget}", which does not exist`);
                }
                if (target.kind === 'dir')
                    throw new BadTarError(`hardlink "${entry.path}" points at directory "${entry.linkTarget}"`);
                // A link onto itself (same path) keeps the node as it is.
                dir.entries.set(name, target);
                return undefined;
            }
        }
    }
    /** The node at a normalized path, or undefined. */
    lookup(path) {
        if (path === '')
            return this.root;
        let node = this.root;
        for (const part of path.split('/')) {
            if (node.kind !== 'dir')
                return undefined;
            const next = node.entries.get(part);
            if (next === undefined)
                return undefined;
            node = next;
        }
        return node;
    }
    namesOf(dir) {
        let names = this.layerNames.get(dir);
        if (!names) {
            names = new Set();
            this.layerNames.set(dir, names);
        }
        return names;
    }
    makeOpaque(dir) {
        const keep = this.namesOf(dir);
        for (const name of [...dir.entries.keys()]) {
            if (!keep.has(name))
                dir.entries.delete(name);
        }
    }
    setAttributes(node, entry) {
        const attrs = attributesOf(entry);
        node.permissions = attrs.permissions;
        node.uid = attrs.uid;
        node.gid = attrs.gid;
        node.mtime = attrs.mtime;
        node.mtimeNsec = attrs.mtimeNsec;
        node.xattrs = attrs.xattrs;
    }
    /**
     * Walks to (creating where missing) the directory at `parts`. A non-directory in the way is
     * replaced by a fresh directory, as extracting the layer onto disk would do.
     */
    ensureDirectory(parts, forPath) {
        let dir = this.root;
        for (const part of parts) {
            if (whiteoutKind(part) !== 'none')
                throw new BadTarError(`entry "${forPath}" lies inside a whiteout name`);
            const next = dir.entries.get(part);
            if (next?.kind === 'dir') {
                dir = next;
                continue;
            }
            const created = newDirectory();
            dir.entries.set(part, created);
            this.namesOf(dir).add(part);
            dir = created;
        }
        return dir;
    }
}
//# sourceMappingURL=layer-merge.js.map