/** The pull RPC's wire, pure: request checks and gRPC message framing. */
import test from 'ava';
import { BadRequestError } from '../../src/errors.js';
import { MAX_PULL_MESSAGE, MessageReader, frameMessage, parsePullCall } from '../../snapshotter/pull/pull-wire.js';
const call = { reference: 'r:5000/a:b', address: '/run/containerd/containerd.sock', namespace: 'default', snapshotter: 'darner' };
test('a pull request takes its documented fields and refuses anything else', (t) => {
    t.deepEqual(parsePullCall(call), call);
    const full = { ...call, platform: 'linux/arm64', plainHttp: true, credentials: { username: 'u', password: 'p' } };
    t.deepEqual(parsePullCall(full), full);
    t.throws(() => parsePullCall({ ...call, extra: 1 }), { instanceOf: BadRequestError, message: /unknown field "extra"/ });
    t.throws(() => parsePullCall({ ...call, reference: '' }), { instanceOf: BadRequestError, message: /reference/ });
    t.throws(() => parsePullCall({ ...call, namespace: undefined }), { instanceOf: BadRequestError, message: /namespace/ });
    t.throws(() => parsePullCall({ ...call, address: 'x'.repeat(5000) }), { instanceOf: BadRequestError });
    t.throws(() => parsePullCall({ ...call, plainHttp: 'yes' }), { instanceOf: BadRequestError });
    t.throws(() => parsePullCall({ ...call, credentials: { username: 'u' } }), { instanceOf: BadRequestError });
    t.throws(() => parsePullCall([call]), { instanceOf: BadRequestError });
    t.throws(() => parsePullCall(null), { instanceOf: BadRequestError });
});
test('messages split at any byte come out whole and in order', (t) => {
    const bytes = Buffer.concat([frameMessage({ event: { n: 1 } }), frameMessage({ event: { n: 2 } }), frameMessage({ result: { ok: true } })]);
    for (const step of [1, 3, 7, bytes.length]) {
        const reader = new MessageReader();
        const out = [];
        for (let i = 0; i < bytes.length; i += step)
            out.push(...reader.push(bytes.subarray(i, i + step)));
        t.deepEqual(out, [{ event: { n: 1 } }, { event: { n: 2 } }, { result: { ok: true } }], `pieces of ${step}`);
        t.false(reader.incomplete);
    }
    const cut = new MessageReader();
    cut.push(bytes.subarray(0, 8));
    t.true(cut.incomplete);
});
test('an oversized, compressed or non-JSON message is refused before it is buffered', (t) => {
    const big = Buffer.alloc(5);
    big.writeUInt32BE(MAX_PULL_MESSAGE + 1, 1);
    t.throws(() => new MessageReader().push(big), { instanceOf: BadRequestError, message: /larger than/ });
    const compressed = frameMessage({});
    compressed[0] = 1;
    t.throws(() => new MessageReader().push(compressed), { instanceOf: BadRequestError, message: /compressed/ });
    const junk = Buffer.concat([Buffer.from([0, 0, 0, 0, 3]), Buffer.from('{x}')]);
    t.throws(() => new MessageReader().push(junk), { instanceOf: BadRequestError, message: /not JSON/ });
});
//# sourceMappingURL=pull-wire.test.js.map