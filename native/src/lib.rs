//! darner's native addon (napi-rs). What JavaScript does slowly or cannot do at all:
//! - chunk digests (blake3, sha256) of whole batches, in parallel, off the JavaScript thread;
//! - tar framing of layer streams, chunks cut straight into batch buffers (for the converter);
//! - chunk decode (zstd) + verify of whole batches, likewise, and chunk compression (zstd);
//! - the l*xattr syscalls and mknod, which Node's fs module does not have;
//! - mount(2) and umount2(2), on libuv's threadpool (they can wait on this process's own FUSE
//!   filesystem, which the JavaScript thread serves);
//! - the blob devices' FUSE server (1 MiB requests, cached pages answered without JavaScript).
//!
//! No export may panic across the FFI boundary: the synchronous ones are `catch_unwind`, the
//! batch work catches panics on its worker thread and rejects the promise instead, and the mount
//! tasks run nothing on their pool thread that can panic (one libc call and a read of errno).

// napi-derive registers no exports in test builds, so everything behind them looks unused there.
#![cfg_attr(test, allow(dead_code))]

mod blobdev;
mod chunks;
mod compress;
mod decode;
mod digest;
mod digests;
mod errors;
mod fdkeeper;
mod fsops;
mod mounts;
mod tarframe;
mod tarframes;
mod version;
