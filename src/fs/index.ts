/**
 * darner's filesystems. fuse mode: an image's bootstrap (metadata) plus a FileDataReader (file
 * bytes) answered over FUSE; ImageFs holds the operations (testable without FUSE), mountImageFs
 * mounts one. erofs mode: the kernel's EROFS mounts the bootstrap over BlobDevices, FUSE files
 * of blob bytes (mountImageErofs). The pure translation layer (attributes, xattr replies, errno)
 * is exported for tests.
 */
export { ImageFs, type FileDataReader, type ImageFsObserver, type ImageFsOptions } from './image-fs.js';
export { mountImageFs, detachMount, DARNER_FUSE_TYPE, type FuseMount, type FuseMountOptions } from './fuse-mount.js';
export { Errno, FsErrno, errnoOf, reasonOf } from './errno.js';
export { statOf, entryStat, statfsOf, timeMs, blockCount, inodeNumber } from './attributes.js';
export { encodeRdev, decodeRdev } from '../format/inode.js';
export { getxattrReply, listxattrReply, encodeXattrNames, XATTR_SIZE_MAX, XATTR_LIST_MAX, type XattrReply } from './xattr-reply.js';
export { PathResolver } from './path-resolver.js';
export { BlobDevices, type BlobDataReader, type BlobDevice } from './blob-devices.js';
export { adoptImageErofs, mountImageErofs, erofsMountData, type ErofsMountOptions } from './erofs-mount.js';
export { unmountKernel } from './mount-syscalls.js';
export { ReadGuard, type ReadGuardOptions, type ReadWhere } from './read-guard.js';
export { TraceRecorder, mergeRanges } from './trace-recorder.js';
