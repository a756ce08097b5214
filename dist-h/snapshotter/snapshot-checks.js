import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../src/errors.js';
/**
 * The checks the snapshotter core runs twice, in a read transaction before its slow steps and
 * again in the write transaction that acts, with containerd's error kinds and their order; and
 * the record-to-Info view.
 */
export function mustGet(tx, key) {
    const record = tx.get(key);
    if (!record)
        throw new NotFoundError(`snapshot ${key} does not exist`);
    return record;
}
/** containerd's order: parent missing, parent not committed, key taken. Returns the parent chain. */
export function checkCreate(tx, key, parent) {
    if (key === '')
        throw new InvalidArgumentError('snapshot key must not be empty');
    let chain = [];
    if (parent !== '') {
        const parentRecord = tx.get(parent);
        if (!parentRecord)
            throw new NotFoundError(`parent snapshot ${parent} does not exist`);
        if (parentRecord.kind !== 'committed') {
            throw new InvalidArgumentError(`parent ${parent} is not a committed snapshot`);
        }
        chain = [parentRecord, ...tx.parentChain(parentRecord)];
    }
    if (tx.get(key))
        throw new AlreadyExistsError(`snapshot ${key}: already exists`);
    return chain;
}
/** containerd's order: name taken, key missing, key not active. */
export function checkCommit(tx, name, key) {
    if (name === '')
        throw new InvalidArgumentError('committed snapshot name must not be empty');
    if (tx.get(name))
        throw new AlreadyExistsError(`committed snapshot ${name}: already exists`);
    const record = mustGet(tx, key);
    if (record.kind !== 'active')
        throw new FailedPreconditionError(`snapshot ${key} is ${record.kind}, not active`);
    return record;
}
export function toInfo(record) {
    return {
        name: record.key,
        parent: record.parentKey,
        kind: record.kind,
        created: record.created,
        updated: record.updated,
        labels: { ...record.labels },
    };
}
//# sourceMappingURL=snapshot-checks.js.map