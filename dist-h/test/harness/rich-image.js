/**
 * Test harness: a three-layer OCI image with everything a filesystem can hold and every way layers
 * can change each other, pushed to a registry and converted to a darner image there.
 *
 *   const reg = await startRegistry();
 *   const img = await publishRichImage(reg.host);     // img.sourceRef, img.darnerRef
 *
 * Layer 0: files of 0, 1, 4095, 4096, 1 MiB - 1, 1 MiB, 1 MiB + 1 and a few MiB bytes, repeated
 * contents, symlinks (one dangling), a hard link pair, a fifo, character and block devices,
 * xattrs (text, binary, trusted.*, on a directory), odd owners and modes, a sub-second mtime.
 * Layer 1: whiteouts (a directory, a file), an opaque directory with a new entry, a file replaced
 * by a directory, a repeat of a lower file's content, a hard link to a lower file.
 * Layer 2: a file modified, a directory replaced by a file, a file replaced by a symlink.
 */
import { convertImage } from '../../converter/convert.js';
import { pseudoRandomBytes } from './layer-tar.js';
import { buildOciImage, busyboxEntries, pushOciImage } from './oci-image.js';
const MiB = 1 << 20;
/** Paths and sizes of the regular files of layer 0 under /sizes. */
export const RICH_SIZES = {
    empty: 0,
    one: 1,
    b4095: 4095,
    b4096: 4096,
    'mib-1': MiB - 1,
    mib: MiB,
    'mib+1': MiB + 1,
    big: 3 * MiB + 12345,
};
export function richLayers(options = {}) {
    const data = (name, size, seed) => ({ type: 'file', path: `sizes/${name}`, data: pseudoRandomBytes(size, seed) });
    const bigContent = pseudoRandomBytes(RICH_SIZES.big, 8);
    const layer0 = [
        ...(options.busybox ? busyboxEntries() : []),
        { type: 'dir', path: 'sizes' },
        ...Object.entries(RICH_SIZES).map(([name, size], i) => (name === 'big' ? { type: 'file', path: 'sizes/big', data: bigContent } : data(name, size, i + 1))),
        { type: 'file', path: 'sizes/dup-a', data: pseudoRandomBytes(MiB + 1, 7) },
        { type: 'file', path: 'sizes/dup-b', data: pseudoRandomBytes(MiB + 1, 7) },
        { type: 'dir', path: 'links' },
        { type: 'symlink', path: 'links/to-one', target: '../sizes/one' },
        { type: 'symlink', path: 'links/dangling', target: '/nowhere/at/all' },
        { type: 'file', path: 'links/hard-1', data: 'hard linked\n', mode: 0o640, uid: 1000, gid: 1000 },
        { type: 'hardlink', path: 'links/hard-2', target: 'links/hard-1' },
        { type: 'file', path: 'links/becomes-symlink', data: 'soon a symlink\n' },
        { type: 'dir', path: 'special' },
        { type: 'fifo', path: 'special/fifo', mode: 0o600 },
        { type: 'chardev', path: 'special/null', major: 1, minor: 3, mode: 0o666 },
        { type: 'chardev', path: 'special/wide', major: 259, minor: 300000 },
        { type: 'blockdev', path: 'special/sda1', major: 8, minor: 1, mode: 0o660, gid: 6 },
        { type: 'dir', path: 'xattrs', xattrs: { 'user.on-dir': 'yes', 'trusted.dir': 'trusted on a dir' } },
        {
            type: 'file',
            path: 'xattrs/file',
            data: 'with xattrs\n',
            xattrs: { 'user.text': 'hello', 'user.binary': Buffer.from([0, 1, 2, 255, 0, 10]), 'trusted.overlay.origin': Buffer.from([0xde, 0xad]), 'trusted.darner': 'x' },
        },
        { type: 'file', path: 'xattrs/frac-mtime', data: 'half a second\n', mtime: 1_700_000_000.5 },
        { type: 'dir', path: 'modes' },
        { type: 'file', path: 'modes/setuid', data: '#!/bin/sh\n', mode: 0o4755 },
        { type: 'dir', path: 'modes/sticky', mode: 0o1777 },
        { type: 'file', path: 'modes/secret', data: 'root only\n', mode: 0o600 },
        { type: 'file', path: 'modes/owned', data: 'big ids\n', uid: 70000, gid: 80000 },
        { type: 'dir', path: 'gone' },
        { type: 'file', path: 'gone/file1', data: 'deleted by layer 1\n' },
        { type: 'dir', path: 'gone/sub' },
        { type: 'file', path: 'gone/sub/file2', data: 'deleted with its parent\n' },
        { type: 'file', path: 'sizes-whiteout-target', data: 'deleted by layer 1\n' },
        { type: 'dir', path: 'opaque' },
        { type: 'file', path: 'opaque/old1', data: 'hidden by the opaque marker\n' },
        { type: 'dir', path: 'opaque/olddir' },
        { type: 'file', path: 'opaque/olddir/x', data: 'hidden too\n' },
        { type: 'file', path: 'replaced', data: 'a file that layer 1 turns into a directory\n' },
        { type: 'dir', path: 'dir-becomes-file' },
        { type: 'file', path: 'dir-becomes-file/child', data: 'gone when the directory becomes a file\n' },
        { type: 'dir', path: 'etc' },
        { type: 'file', path: 'etc/motd', data: 'layer 0\n' },
    ];
    const layer1 = [
        { type: 'whiteout', path: 'gone' },
        { type: 'whiteout', path: 'sizes-whiteout-target' },
        { type: 'dir', path: 'opaque' },
        { type: 'opaque', path: 'opaque' },
        { type: 'file', path: 'opaque/new1', data: 'only entry after the opaque marker\n' },
        { type: 'dir', path: 'replaced' },
        { type: 'file', path: 'replaced/inside', data: 'inside the directory that replaced a file\n' },
        { type: 'dir', path: 'repeat' },
        { type: 'file', path: 'repeat/big-again', data: bigContent },
        { type: 'hardlink', path: 'links/hard-3', target: 'links/hard-1' },
    ];
    const layer2 = [
        { type: 'file', path: 'etc/motd', data: 'layer 2 changed this\n', mtime: 1_700_000_100 },
        { type: 'file', path: 'dir-becomes-file', data: 'a file now\n' },
        { type: 'symlink', path: 'links/becomes-symlink', target: 'hard-1' },
        { type: 'file', path: 'etc/added', data: 'new in layer 2\n' },
    ];
    return [layer0, layer1, layer2];
}
/** Pushes `layers` as an OCI image to `host` and converts it to a darner image in the same repository. */
export async function publishImage(host, repo, layers, options = {}) {
    const image = await buildOciImage({ name: `${host}/${repo}:src`, layers, config: { Cmd: ['sh'] } });
    const sourceRef = `${host}/${repo}:src`;
    const darnerRef = `${host}/${repo}:darner`;
    await pushOciImage(image, sourceRef);
    const summary = await convertImage(sourceRef, darnerRef, {
        ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        ...(options.prefetchPatterns !== undefined ? { prefetchPatterns: options.prefetchPatterns } : {}),
    });
    return { image, sourceRef, darnerRef, summary };
}
/** The rich image (richLayers) in repository `rich`. */
export function publishRichImage(host, options = {}) {
    return publishImage(host, options.busybox ? 'rich-busybox' : 'rich', richLayers(options), options);
}
//# sourceMappingURL=rich-image.js.map