/**
 * A reference model of a snapshotter's metadata, written independently of the implementation
 * from containerd's documented semantics: a map from key/name to {kind, parent, labels}. Used by
 * the property test and the crash test to say what state a sequence of operations must leave.
 */
const fail = (code) => ({ ok: false, code });
function tooBig(labels) {
    return Object.entries(labels).some(([k, v]) => Buffer.byteLength(k) + Buffer.byteLength(v) > 4096);
}
function withoutEmpty(labels) {
    return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}
export class ReferenceModel {
    snapshots = new Map();
    clone() {
        const copy = new ReferenceModel();
        for (const [k, s] of this.snapshots)
            copy.snapshots.set(k, { ...s, labels: { ...s.labels } });
        return copy;
    }
    /** All snapshots sorted by name. */
    state() {
        return [...this.snapshots.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    apply(op) {
        switch (op.op) {
            case 'prepare':
            case 'view': {
                if (tooBig(op.labels))
                    return fail('INVALID_ARGUMENT');
                if (op.parent !== '') {
                    const parent = this.snapshots.get(op.parent);
                    if (!parent)
                        return fail('NOT_FOUND');
                    if (parent.kind !== 'committed')
                        return fail('INVALID_ARGUMENT');
                }
                if (this.snapshots.has(op.key))
                    return fail('ALREADY_EXISTS');
                const kind = op.op === 'prepare' ? 'active' : 'view';
                this.snapshots.set(op.key, { name: op.key, kind, parent: op.parent, labels: withoutEmpty(op.labels) });
                return { ok: true };
            }
            case 'commit': {
                if (tooBig(op.labels))
                    return fail('INVALID_ARGUMENT');
                if (this.snapshots.has(op.name))
                    return fail('ALREADY_EXISTS');
                const s = this.snapshots.get(op.key);
                if (!s)
                    return fail('NOT_FOUND');
                if (s.kind !== 'active')
                    return fail('FAILED_PRECONDITION');
                this.snapshots.delete(op.key);
                this.snapshots.set(op.name, { name: op.name, kind: 'committed', parent: s.parent, labels: withoutEmpty(op.labels) });
                return { ok: true };
            }
            case 'remove': {
                if (!this.snapshots.has(op.key))
                    return fail('NOT_FOUND');
                for (const s of this.snapshots.values())
                    if (s.parent === op.key)
                        return fail('FAILED_PRECONDITION');
                this.snapshots.delete(op.key);
                return { ok: true };
            }
            case 'update': {
                if (tooBig(op.labels))
                    return fail('INVALID_ARGUMENT');
                const s = this.snapshots.get(op.key);
                if (!s)
                    return fail('NOT_FOUND');
                let labels;
                if (op.paths.length === 0) {
                    labels = { ...op.labels };
                }
                else {
                    labels = { ...s.labels };
                    for (const p of op.paths) {
                        if (p === 'labels')
                            labels = { ...op.labels };
                        else if (p.startsWith('labels.')) {
                            const k = p.slice(7);
                            labels[k] = op.labels[k] ?? '';
                        }
                        else
                            return fail('INVALID_ARGUMENT');
                    }
                }
                s.labels = withoutEmpty(labels);
                return { ok: true, snapshot: { ...s, labels: { ...s.labels } } };
            }
            case 'stat': {
                const s = this.snapshots.get(op.key);
                if (!s)
                    return fail('NOT_FOUND');
                return { ok: true, snapshot: { ...s, labels: { ...s.labels } } };
            }
            case 'list':
                return { ok: true, names: this.state().filter((s) => op.filter.matches(s)).map((s) => s.name) };
        }
    }
}
/** A few filters with their meaning, for list operations. */
export const MODEL_FILTERS = [
    { text: '', matches: () => true },
    { text: 'kind==committed', matches: (s) => s.kind === 'committed' },
    { text: 'kind!=view', matches: (s) => s.kind !== 'view' },
    { text: 'labels.a==1', matches: (s) => s.labels.a === '1' },
    { text: 'labels.b', matches: (s) => s.labels.b !== undefined },
    { text: 'parent==""', matches: (s) => s.parent === '' },
    { text: 'name~=^[ab]', matches: (s) => /^[ab]/.test(s.name) },
    { text: 'labels."containerd.io/snapshot.ref"==1,kind==committed', matches: (s) => s.labels['containerd.io/snapshot.ref'] === '1' && s.kind === 'committed' },
];
//# sourceMappingURL=reference-model.js.map