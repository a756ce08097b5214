import { DarnerError, InvalidArgumentError, NotFoundError } from '../errors.js';
/**
 * Linux errno values as the FUSE binding wants them (negative), and the one place where darner's
 * errors become errno. Pure.
 */
export const Errno = {
    EPERM: -1,
    ENOENT: -2,
    EINTR: -4,
    EIO: -5,
    EBADF: -9,
    EACCES: -13,
    EEXIST: -17,
    ENOTDIR: -20,
    EISDIR: -21,
    EINVAL: -22,
    EFBIG: -27,
    EROFS: -30,
    ERANGE: -34,
    ENOSYS: -38,
    ENODATA: -61,
    E2BIG: -7,
    EOPNOTSUPP: -95,
};
/** An operation's answer other than success: thrown inside the operations, caught at the edge. */
export class FsErrno extends Error {
    errno;
    constructor(errno, message) {
        super(message ?? `errno ${errno}`);
        this.errno = errno;
    }
}
/**
 * The errno a failed operation answers. Metadata problems (a path that is not in the image)
 * are ENOENT; everything else that goes wrong while answering — a malformed bootstrap record, a
 * chunk that cannot be fetched or does not verify, a timeout — is EIO: the reader cannot act on
 * the reason, which goes to the log and the metrics instead.
 */
export function errnoOf(err) {
    if (err instanceof FsErrno)
        return err.errno;
    if (err instanceof NotFoundError)
        return Errno.ENOENT;
    if (err instanceof InvalidArgumentError)
        return Errno.EINVAL;
    return Errno.EIO;
}
/** A short reason for logs and metric labels: the darner error code, or the error's name. */
export function reasonOf(err) {
    if (err instanceof DarnerError)
        return err.code;
    if (err instanceof FsErrno)
        return `errno${err.errno}`;
    if (err instanceof Error)
        return err.code ?? err.name;
    return 'unknown';
}
//# sourceMappingURL=errno.js.map