import { pseudoRandomBytes } from './layer-tar.js';
/**
 * The "rich" test image: three layers that exercise everything darner must preserve. What the
 * applied image must look like is stated in `richImageExpectations`, independently of darner's
 * own layer merging, so tests can check the merge rules themselves and not only agreement.
 */
const MiB = 1024 * 1024;
/** Half random, half text: compressible but not trivially. */
function mixedBytes(length, seed) {
    const out = pseudoRandomBytes(length, seed);
    const text = Buffer.from('the quick brown fox jumps over the lazy dog\n');
    for (let i = 0; i < length; i += 8192) {
        for (let j = 0; j < 4096 && i + j < length; j += 1)
            out[i + j] = text[j % text.length];
    }
    return out;
}
export const RICH_BIG_FILE = 'data/big-20m';
export function richImageLayers() {
    const big = mixedBytes(20 * MiB, 11);
    // Shares its first 10 MiB (ten whole chunks at the default chunk size) with `big`.
    const bigV2 = Buffer.concat([big.subarray(0, 10 * MiB), mixedBytes(10 * MiB, 12)]);
    const repeated = pseudoRandomBytes(3 * MiB + 123, 13);
    const layer1 = [
        { type: 'dir', path: './', mode: 0o755, mtime: 1_600_000_000 },
        { type: 'dir', path: 'bin', mode: 0o755 },
        { type: 'dir', path: 'etc', mode: 0o755, uid: 0, gid: 0 },
        { type: 'dir', path: 'data', mode: 0o750, uid: 1000, gid: 1000 },
        { type: 'dir', path: 'tmp', mode: 0o1777 },
        { type: 'dir', path: 'shared', mode: 0o2775, gid: 50 },
        { type: 'file', path: 'data/empty', data: '' },
        { type: 'file', path: 'data/one', data: 'x' },
        { type: 'file', path: 'data/4095', data: pseudoRandomBytes(4095, 1) },
        { type: 'file', path: 'data/4096', data: pseudoRandomBytes(4096, 2) },
        { type: 'file', path: 'data/1m-minus-1', data: pseudoRandomBytes(MiB - 1, 3) },
        { type: 'file', path: 'data/1m', data: mixedBytes(MiB, 4) },
        { type: 'file', path: 'data/1m-plus-1', data: pseudoRandomBytes(MiB + 1, 5) },
        { type: 'file', path: RICH_BIG_FILE, data: big, mtime: 1_650_000_000.123456789 },
        { type: 'file', path: 'data/zeros-3m', data: Buffer.alloc(3 * MiB) },
        { type: 'file', path: 'shared/repeated', data: repeated },
        { type: 'file', path: 'bin/setuid-tool', data: '#!/bin/sh\necho hi\n', mode: 0o4755 },
        { type: 'file', path: 'bin/setgid-tool', data: '#!/bin/sh\necho hi\n', mode: 0o2711 },
        { type: 'file', path: 'data/big-owner', data: 'owned', uid: 70000, gid: 70001 },
        {
            type: 'file',
            path: 'bin/cap',
            data: 'capable',
            xattrs: {
                'security.capability': Uint8Array.from([0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                'user.note': 'hello world',
                'trusted.darner-test': Uint8Array.from([0xff, 0x00, 0xfe]),
            },
        },
        { type: 'symlink', path: 'etc/relative-link', target: '../data/one' },
        { type: 'symlink', path: 'etc/absolute-link', target: '/data/4095' },
        { type: 'symlink', path: 'etc/dangling-link', target: 'does/not/exist' },
        { type: 'symlink', path: 'etc/long-link', target: `${'long/'.repeat(60)}end` },
        { type: 'hardlink', path: 'data/one-again', target: 'data/one' },
        { type: 'hardlink', path: 'bin/setuid-again', target: 'bin/setuid-tool' },
        { type: 'fifo', path: 'tmp/fifo', mode: 0o600 },
        { type: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
        { type: 'chardev', path: 'dev/big-minor', major: 259, minor: 300000, mode: 0o600 },
        { type: 'blockdev', path: 'dev/sda1', major: 8, minor: 1, mode: 0o660, gid: 6 },
        { type: 'file', path: 'doomed/file', data: 'to be deleted' },
        { type: 'file', path: 'doomed-file', data: 'to be deleted too' },
        { type: 'dir', path: 'opaque-me', mode: 0o755 },
        { type: 'file', path: 'opaque-me/old-1', data: 'old' },
        { type: 'file', path: 'opaque-me/old-2', data: 'old' },
        { type: 'dir', path: 'opaque-me/old-dir' },
        { type: 'file', path: 'opaque-me/old-dir/inner', data: 'old' },
        { type: 'file', path: 'file-to-dir', data: 'I was a file' },
        { type: 'dir', path: 'dir-to-file' },
        { type: 'file', path: 'dir-to-file/inner', data: 'gone with its dir' },
        { type: 'symlink', path: 'link-to-file', target: 'data/one' },
    ];
    const layer2 = [
        { type: 'file', path: 'shared/repeated-copy', data: repeated },
        { type: 'whiteout', path: 'doomed-file' },
        { type: 'whiteout', path: 'doomed' },
        { type: 'dir', path: 'opaque-me', mode: 0o700 },
        { type: 'opaque', path: 'opaque-me' },
        { type: 'file', path: 'opaque-me/new', data: 'new' },
        { type: 'dir', path: 'file-to-dir', mode: 0o755 },
        { type: 'file', path: 'file-to-dir/child', data: 'now a directory' },
        { type: 'file', path: 'etc/changed', data: 'version 1', mtime: 1_700_000_000.5 },
        { type: 'file', path: 'data/1m', data: mixedBytes(MiB, 40) },
    ];
    const layer3 = [
        { type: 'file', path: 'etc/changed', data: 'version 2' },
        { type: 'hardlink', path: 'etc/changed-link', target: 'etc/changed' },
        { type: 'file', path: 'dir-to-file', data: 'I was a directory' },
        { type: 'file', path: 'link-to-file', data: 'I was a symlink' },
        { type: 'file', path: 'data/big-20m-v2', data: bigV2 },
        { type: 'file', path: 'etc/xattr-dir-child', data: 'c', xattrs: { 'user.k': 'v' } },
        { type: 'dir', path: 'etc', mode: 0o755, xattrs: { 'user.dir-attr': 'on a directory' } },
    ];
    return [layer1, layer2, layer3];
}
/** What the applied rich image must (and must not) contain, by the image-spec's rules. */
export const richImageExpectations = {
    absent: ['doomed-file', 'doomed', 'doomed/file', 'opaque-me/old-1', 'opaque-me/old-2', 'opaque-me/old-dir', 'dir-to-file/inner', 'file-to-dir/.wh..wh..opq'],
    present: {
        'opaque-me/new': 'file',
        'file-to-dir': 'dir',
        'file-to-dir/child': 'file',
        'dir-to-file': 'file',
        'link-to-file': 'file',
        'shared/repeated-copy': 'file',
        'etc/changed-link': 'file',
    },
    /** Paths that must name the same inode. */
    hardlinkGroups: [
        ['data/one', 'data/one-again'],
        ['bin/setuid-again', 'bin/setuid-tool'],
        ['etc/changed', 'etc/changed-link'],
    ],
};
//# sourceMappingURL=test-images.js.map