/** The text of a gRPC failure as one readable line. Pure; no I/O. */
/**
 * `err.details` (else `err.message`) on one line, without the empty `Resolution note:` grpc-js
 * appends to a connection failure when name resolution had nothing to add.
 */
export function grpcErrorText(err, fallback = 'unknown error') {
    const text = (err.details || err.message || fallback).replace(/\s*\n\s*/g, ' ');
    return text.replace(/\s*Resolution note:\s*$/, '').replace('Last error: Error: ', 'last error: ').trim() || fallback;
}
//# sourceMappingURL=grpc-text.js.map