//! The blob devices' FUSE server: one read-only file per data blob of an image (`0`, `1`, …,
//! each the blob's uncompressed address space), which the kernel's EROFS reads as its extra
//! devices. It speaks the FUSE protocol on /dev/fuse itself (linux/fuse.h, protocol 7.x), for
//! two reasons libfuse 2 (fuse-native) cannot serve:
//! - requests up to 1 MiB (FUSE_MAX_PAGES) instead of 128 KiB: an eighth of the round trips;
//! - reads of pages the daemon has marked cached are answered here, on the server's threads,
//!   with one pread(2) of the blob's cache file (the same address space, src/cache): a warm read
//!   never waits for the JavaScript thread. Only pages that are not marked go to JavaScript
//!   (`on_read`), which fetches, verifies and answers with `reply` / `reply_error`.
//!
//! What "marked" means is the daemon's business (src/fs/blob-device-server.ts): a page is marked
//! only once every chunk in it is on disk in the cache file and verified since the daemon
//! started, the same rule as its own cache reads. Anything else (a page not marked, a short or
//! failed pread) goes to JavaScript.
//!
//! Every request buffer from the kernel is bounds-checked before it is read; a malformed one is
//! answered EINVAL (or dropped when it cannot even carry a header). Nothing on the server's
//! threads can panic: slices are taken with `get`, and arithmetic that could overflow saturates.
//!
//! This file holds the mount, the threads and the dispatch; the wire format (request decoding,
//! reply encoding) is in blobdev/protocol.rs and the bitmap of marked pages in blobdev/pages.rs,
//! both free of I/O and unit-tested.

mod pages;
mod protocol;

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::{BufferSlice, FnArgs, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;

use crate::errors::{invalid_arg, last_errno, syscall_error, syscall_error_to, throw, JsResult};
use crate::fsops::c_string;
use pages::PageBitmap;
use protocol::*;

/// Threads reading /dev/fuse: cached reads are answered on them (a pread each).
const THREADS: usize = 4;
/// Request buffer: FUSE wants room for max_write (4 KiB here) plus headers; names are short.
const REQUEST_BUFFER: usize = 64 * 1024 + 4096;

/// `on_read(unique, device, offset, length)`: a read JavaScript must answer.
type ReadCallback = ThreadsafeFunction<
  FnArgs<(f64, u32, f64, u32)>,
  Unknown<'static>,
  FnArgs<(f64, u32, f64, u32)>,
  Status,
  false,
  true,
>;

struct Device {
  size: u64,
  cache: Option<File>,
  /// Pages answered from the cache file.
  marked: PageBitmap,
}

struct Shared {
  fd: OwnedFd,
  devices: Vec<Device>,
  on_read: ReadCallback,
  /// Times of every file: when the server started.
  time: (u64, u32),
  closed: AtomicBool,
  counts: Arc<ReadCounts>,
}

#[derive(Default)]
struct ReadCounts {
  cached: AtomicU64,
  forwarded: AtomicU64,
}

/// A running blob-device server; see the module comment. Made by `startBlobDevices`.
#[napi]
pub struct BlobDeviceServer {
  /// Keeps the server alive until `close`; then only the serving threads hold it, and the last of
  /// them to end (the kernel ended the connection) closes /dev/fuse.
  keep: Mutex<Option<Arc<Shared>>>,
  /// Replies go through this while the server lives (also after `close` if the unmount failed
  /// and the threads still serve).
  shared: Weak<Shared>,
  counts: Arc<ReadCounts>,
  /// What FUSE_NOTIFY_RESEND gave when this server took a connection over (0: taken).
  resend: AtomicI32,
}

/// Mounts a FUSE filesystem of fstype `fuse.darner` at `mountpoint` holding one read-only file
/// per entry of `sizes` (named by index), and serves it on threads of its own. `cache_paths[i]`
/// is the cache file of device i (read only for marked pages; empty for none). Mount options:
/// read-only, nosuid, nodev, default_permissions, no allow_other (only root may open the files:
/// they hold every byte of the image whatever its files' modes), 1 MiB requests.
#[napi(catch_unwind)]
pub fn start_blob_devices(
  env: &Env,
  mountpoint: String,
  sizes: Vec<f64>,
  cache_paths: Vec<String>,
  on_read: ReadCallback,
) -> napi::Result<BlobDeviceServer> {
  start(mountpoint, sizes, cache_paths, on_read).map_err(|err| throw(env, err))
}

fn start(mountpoint: String, sizes: Vec<f64>, cache_paths: Vec<String>, on_read: ReadCallback) -> JsResult<BlobDeviceServer> {
  let devices = open_devices(sizes, cache_paths)?;
  let target = c_string("mountpoint", &mountpoint)?;
  let dev = c_string("device", "/dev/fuse")?;
  // SAFETY: plain open(2) of a NUL-terminated path.
  let raw = unsafe { libc::open(dev.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
  if raw < 0 {
    return Err(syscall_error(last_errno(), "open", "/dev/fuse"));
  }
  // SAFETY: `raw` is a file descriptor we just opened and own.
  let fd = unsafe { OwnedFd::from_raw_fd(raw) };
  let options = format!("fd={raw},rootmode=40000,user_id=0,group_id=0,default_permissions,max_read={MAX_READ}");
  let data = c_string("options", &options)?;
  let source = c_string("source", "darner-blobs")?;
  let fstype = c_string("fstype", "fuse.darner")?;
  let flags = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV;
  // SAFETY: NUL-terminated strings that outlive the call. FUSE's mount does not wait for the
  // server (INIT is answered later, by the threads below).
  let status = unsafe { libc::mount(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), flags, data.as_ptr().cast()) };
  if status < 0 {
    return Err(syscall_error_to(last_errno(), "mount", "darner-blobs", Some(&mountpoint)));
  }
  launch(fd, devices, on_read).inspect_err(|_| {
    // No thread at all: nothing would ever answer. Take the mount away again.
    // SAFETY: NUL-terminated path.
    unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
  })
}

/// Serves a FUSE connection an earlier daemon mounted and left with the fd keeper: `fd` is its
/// /dev/fuse file, taken from the keeper (this call owns it from now on). The connection is
/// initialized already (no INIT comes again). Once the threads run, FUSE_NOTIFY_RESEND asks the
/// kernel to queue again every request the earlier daemon read and never answered, so a read in
/// flight across the restart completes instead of waiting forever; `resendErrno()` tells whether
/// the kernel took it (0) or refused it (an errno: the kernel predates it).
#[napi(catch_unwind)]
pub fn resume_blob_devices(
  env: &Env,
  fd: i32,
  sizes: Vec<f64>,
  cache_paths: Vec<String>,
  on_read: ReadCallback,
) -> napi::Result<BlobDeviceServer> {
  resume(fd, sizes, cache_paths, on_read).map_err(|err| throw(env, err))
}

fn resume(raw: i32, sizes: Vec<f64>, cache_paths: Vec<String>, on_read: ReadCallback) -> JsResult<BlobDeviceServer> {
  if raw < 0 {
    return Err(invalid_arg(format!("fd must be an open file descriptor, got {raw}")));
  }
  // SAFETY: the caller hands over an fd it owns (received from the keeper) and will not use again.
  let fd = unsafe { OwnedFd::from_raw_fd(raw) };
  if !is_fuse_device(fd.as_raw_fd()) {
    return Err(invalid_arg(format!("fd {raw} is not /dev/fuse")));
  }
  let devices = open_devices(sizes, cache_paths)?;
  let notify = out_header(OUT_HEADER, NOTIFY_RESEND, 0);
  let server = launch(fd, devices, on_read)?;
  let resend = match server.shared() {
    // SAFETY: writing a buffer we own, of its length, to the connection's fd.
    Some(shared) if unsafe { libc::write(shared.fd.as_raw_fd(), notify.as_ptr().cast(), notify.len()) } < 0 => last_errno(),
    _ => 0,
  };
  server.resend.store(resend, Ordering::Release);
  Ok(server)
}

/// True when `fd` is the FUSE character device (misc major 10, minor 229).
fn is_fuse_device(fd: RawFd) -> bool {
  // SAFETY: fstat into a zeroed stat we own.
  let mut st: libc::stat = unsafe { std::mem::zeroed() };
  if unsafe { libc::fstat(fd, &mut st) } < 0 {
    return false;
  }
  st.st_mode & libc::S_IFMT == libc::S_IFCHR && libc::major(st.st_rdev) == 10 && libc::minor(st.st_rdev) == 229
}

fn open_devices(sizes: Vec<f64>, cache_paths: Vec<String>) -> JsResult<Vec<Device>> {
  if sizes.len() != cache_paths.len() {
    return Err(invalid_arg("sizes and cache_paths must have the same length"));
  }
  if sizes.len() > 1 << 20 {
    return Err(invalid_arg("too many devices"));
  }
  let mut devices = Vec::with_capacity(sizes.len());
  for (i, (&size, path)) in sizes.iter().zip(&cache_paths).enumerate() {
    if !(size >= 0.0 && size.fract() == 0.0 && size <= 9_007_199_254_740_991.0) {
      return Err(invalid_arg(format!("device {i}: size must be a whole number of bytes, got {size}")));
    }
    let size = size as u64;
    let cache = if path.is_empty() {
      None
    } else {
      // O_NOFOLLOW: never read through a symlink planted in the cache (docs/cache.md).
      let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path);
      Some(file.map_err(|e| syscall_error(e.raw_os_error().unwrap_or(libc::EIO), "open", path))?)
    };
    devices.push(Device { size, cache, marked: PageBitmap::new(size) });
  }
  Ok(devices)
}

/// Starts the serving threads on connection `fd`.
fn launch(fd: OwnedFd, devices: Vec<Device>, on_read: ReadCallback) -> JsResult<BlobDeviceServer> {
  let counts = Arc::new(ReadCounts::default());
  let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
  let shared = Arc::new(Shared {
    fd,
    devices,
    on_read,
    time: (now.as_secs(), now.subsec_nanos()),
    closed: AtomicBool::new(false),
    counts: Arc::clone(&counts),
  });
  for i in 0..THREADS {
    let shared = Arc::clone(&shared);
    let spawned = std::thread::Builder::new().name(format!("darner-blobdev-{i}")).spawn(move || serve(&shared));
    if spawned.is_err() && i == 0 {
      return Err(syscall_error(libc::EAGAIN, "pthread_create", "blob devices"));
    }
  }
  Ok(BlobDeviceServer {
    shared: Arc::downgrade(&shared),
    keep: Mutex::new(Some(shared)),
    counts,
    resend: AtomicI32::new(0),
  })
}

#[napi]
impl BlobDeviceServer {
  /// The server, while it lives.
  fn shared(&self) -> Option<Arc<Shared>> {
    self.shared.upgrade()
  }

  /// Answers read `unique` (the token `on_read` gave) with `data` (at most the length asked for).
  #[napi(catch_unwind)]
  pub fn reply(&self, unique: f64, data: BufferSlice) {
    if let Some(shared) = self.shared() {
      reply_parts(shared.fd.as_raw_fd(), unique_of_token(unique), 0, &[&data]);
    }
  }

  /// Answers read `unique` with an error (a positive errno such as EIO = 5).
  #[napi(catch_unwind)]
  pub fn reply_error(&self, unique: f64, errno: i32) {
    if let Some(shared) = self.shared() {
      reply_parts(shared.fd.as_raw_fd(), unique_of_token(unique), -errno.abs(), &[]);
    }
  }

  /// Hands a copy of this connection's /dev/fuse fd to the fd keeper at `socket`, under `name`:
  /// the connection then outlives this process.
  #[napi(catch_unwind)]
  pub fn keep(&self, env: &Env, socket: String, name: String) -> napi::Result<()> {
    let Some(shared) = self.shared() else { return Ok(()) };
    let kept = crate::fdkeeper::KeeperClient::connect(&socket).and_then(|client| client.put(&name, shared.fd.as_raw_fd()));
    kept.map_err(|err| throw(env, err))
  }

  /// 0 when FUSE_NOTIFY_RESEND was taken at a takeover (or there was none), else its errno.
  #[napi(catch_unwind)]
  pub fn resend_errno(&self) -> i32 {
    self.resend.load(Ordering::Acquire)
  }

  /// Marks (or unmarks) the pages holding bytes [start, end) of device `device` as answered
  /// from its cache file: every page the range touches, so only ranges of whole chunks whose
  /// page tails are zeros may be marked.
  #[napi(catch_unwind)]
  pub fn mark(&self, device: u32, start: f64, end: f64, cached: bool) {
    let Some(shared) = self.shared() else { return };
    let Some(d) = shared.devices.get(device as usize) else { return };
    if !(start >= 0.0 && end > start) {
      return;
    }
    let (start, end) = (start as u64, end as u64);
    d.marked.set(start / PAGE, end.div_ceil(PAGE), cached);
  }

  /// [reads answered from the cache files, reads forwarded to JavaScript].
  #[napi(catch_unwind)]
  pub fn stats(&self) -> Vec<f64> {
    vec![
      self.counts.cached.load(Ordering::Relaxed) as f64,
      self.counts.forwarded.load(Ordering::Relaxed) as f64,
    ]
  }

  /// After the unmount: reads still forwarded are answered EIO by whoever holds them; the
  /// threads end when the kernel ends the connection (the unmount's last user gone), and the
  /// last of them closes /dev/fuse and the cache files (not the garbage collection of this
  /// object, which may come much later: a cache file gc deleted would hold its disk space).
  #[napi(catch_unwind)]
  pub fn close(&self) {
    let Some(shared) = self.keep.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take() else { return };
    shared.closed.store(true, Ordering::Release);
  }
}

fn serve(shared: &Shared) {
  let fd = shared.fd.as_raw_fd();
  let mut buffer = vec![0u8; REQUEST_BUFFER];
  // Cached reads are answered from here: one buffer per thread, not one per read.
  let mut reply = vec![0u8; OUT_HEADER + MAX_READ as usize];
  loop {
    // SAFETY: reading into a buffer we own, of its length.
    let n = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
    if n < 0 {
      match last_errno() {
        // Interrupted, or a request the kernel took back before we read it.
        libc::EINTR | libc::EAGAIN | libc::ENOENT => continue,
        // ENODEV: unmounted and the connection is gone. Anything else: nothing to serve.
        _ => return,
      }
    }
    let Some(request) = buffer.get(..n as usize) else { return };
    handle(shared, fd, request, &mut reply);
  }
}

fn handle(shared: &Shared, fd: RawFd, request: &[u8], reply: &mut [u8]) {
  let Request { opcode, unique, nodeid, body } = match decode(request) {
    Ok(request) => request,
    Err(Malformed::NoHeader) => return, // nothing to answer
    Err(Malformed::Truncated { unique }) => return reply_error(fd, unique, libc::EINVAL),
  };
  match opcode {
    INIT => match init_out(body) {
      Ok(out) => reply_ok(fd, unique, &out),
      Err(errno) => reply_error(fd, unique, errno),
    },
    LOOKUP => lookup(shared, fd, unique, nodeid, body),
    GETATTR => match attr_of(shared, nodeid) {
      Some(attr) => reply_ok(fd, unique, &attr_out(&attr)),
      None => reply_error(fd, unique, libc::ENOENT),
    },
    OPEN => {
      if nodeid == ROOT_ID {
        return reply_error(fd, unique, libc::EISDIR);
      }
      if device_of(shared, nodeid).is_none() {
        return reply_error(fd, unique, libc::ENOENT);
      }
      if open_flags(body) & libc::O_ACCMODE != libc::O_RDONLY {
        return reply_error(fd, unique, libc::EROFS);
      }
      reply_ok(fd, unique, &open_out(FOPEN_KEEP_CACHE));
    }
    OPENDIR => {
      if nodeid != ROOT_ID {
        return reply_error(fd, unique, libc::ENOTDIR);
      }
      reply_ok(fd, unique, &open_out(0));
    }
    READ => read(shared, fd, unique, nodeid, body, reply),
    READDIR => {
      if nodeid != ROOT_ID {
        return reply_error(fd, unique, libc::ENOTDIR);
      }
      match read_in(body) {
        Some((offset, size)) => reply_ok(fd, unique, &readdir_out(shared.devices.len() as u64, offset, size)),
        None => reply_error(fd, unique, libc::EINVAL),
      }
    }
    STATFS => {
      let blocks: u64 = shared.devices.iter().map(|d| d.size.div_ceil(PAGE)).sum();
      reply_ok(fd, unique, &statfs_out(blocks, shared.devices.len() as u64 + 1));
    }
    RELEASE | RELEASEDIR | FLUSH | ACCESS | DESTROY => reply_ok(fd, unique, &[]),
    FORGET | BATCH_FORGET | INTERRUPT => {}
    GETXATTR | LISTXATTR => reply_error(fd, unique, libc::ENOSYS),
    op if WRITES.contains(&op) => reply_error(fd, unique, libc::EROFS),
    _ => reply_error(fd, unique, libc::ENOSYS),
  }
}

fn device_of(shared: &Shared, nodeid: u64) -> Option<(usize, &Device)> {
  let index = usize::try_from(nodeid.checked_sub(ROOT_ID + 1)?).ok()?;
  shared.devices.get(index).map(|d| (index, d))
}

/// struct fuse_attr of a node.
fn attr_of(shared: &Shared, nodeid: u64) -> Option<Vec<u8>> {
  let size = if nodeid == ROOT_ID { None } else { Some(device_of(shared, nodeid)?.1.size) };
  Some(fuse_attr(nodeid, size, shared.time))
}

fn lookup(shared: &Shared, fd: RawFd, unique: u64, parent: u64, body: &[u8]) {
  if parent != ROOT_ID {
    return reply_error(fd, unique, libc::ENOTDIR);
  }
  let Some(index) = parse_name(lookup_name(body)) else { return reply_error(fd, unique, libc::ENOENT) };
  let nodeid = device_nodeid(index);
  let Some(attr) = attr_of(shared, nodeid) else { return reply_error(fd, unique, libc::ENOENT) };
  reply_ok(fd, unique, &entry_out(nodeid, &attr));
}

fn read(shared: &Shared, fd: RawFd, unique: u64, nodeid: u64, body: &[u8], reply: &mut [u8]) {
  let Some((offset, size)) = read_in(body) else {
    return reply_error(fd, unique, libc::EINVAL);
  };
  let Some((index, device)) = device_of(shared, nodeid) else { return reply_error(fd, unique, libc::ENOENT) };
  let length = read_length(offset, size, device.size);
  if length == 0 {
    return reply_ok(fd, unique, &[]);
  }
  if let Some(cache) = &device.cache {
    if device.marked.all_set(offset, offset + length) {
      if let Some(out) = reply.get_mut(..OUT_HEADER + length as usize) {
        if let Some(data) = out.get_mut(OUT_HEADER..) {
          if read_full(cache, data, offset) {
            shared.counts.cached.fetch_add(1, Ordering::Relaxed);
            return reply_buffer(fd, unique, out);
          }
        }
      }
    }
  }
  if shared.closed.load(Ordering::Acquire) {
    return reply_error(fd, unique, libc::EIO);
  }
  shared.counts.forwarded.fetch_add(1, Ordering::Relaxed);
  let status = shared.on_read.call(
    (token_of_unique(unique), index as u32, offset as f64, length as u32).into(),
    ThreadsafeFunctionCallMode::NonBlocking,
  );
  if status != Status::Ok {
    reply_error(fd, unique, libc::EIO);
  }
}

/// Fills `data` from `offset` of `file`; bytes past its end read as zeros (a sparse cache file
/// ends at its last written chunk). False on a read error.
fn read_full(file: &File, data: &mut [u8], offset: u64) -> bool {
  let mut done = 0;
  while done < data.len() {
    let Some(rest) = data.get_mut(done..) else { return false };
    match file.read_at(rest, offset.saturating_add(done as u64)) {
      Ok(0) => {
        rest.fill(0);
        return true;
      }
      Ok(n) => done += n,
      Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
      Err(_) => return false,
    }
  }
  true
}

fn reply_ok(fd: RawFd, unique: u64, data: &[u8]) {
  reply_parts(fd, unique, 0, &[data]);
}

fn reply_error(fd: RawFd, unique: u64, errno: i32) {
  reply_parts(fd, unique, -errno, &[]);
}

/// `out` starts with OUT_HEADER bytes of room for the header.
fn reply_buffer(fd: RawFd, unique: u64, out: &mut [u8]) {
  let header = out_header(out.len(), 0, unique);
  if let Some(room) = out.get_mut(..OUT_HEADER) {
    room.copy_from_slice(&header);
  }
  // SAFETY: writing a buffer we own, of its length. A failed write (the request was interrupted,
  // the connection ended) leaves nothing to do.
  unsafe { libc::write(fd, out.as_ptr().cast(), out.len()) };
}

fn reply_parts(fd: RawFd, unique: u64, error: i32, parts: &[&[u8]]) {
  let len = OUT_HEADER + if error == 0 { parts.iter().map(|p| p.len()).sum::<usize>() } else { 0 };
  let mut header = out_header(len, error, unique);
  let mut iov = vec![libc::iovec { iov_base: header.as_mut_ptr().cast(), iov_len: OUT_HEADER }];
  if error == 0 {
    for p in parts {
      iov.push(libc::iovec { iov_base: p.as_ptr() as *mut libc::c_void, iov_len: p.len() });
    }
  }
  // SAFETY: the iovecs point into live buffers for the duration of the call; the kernel only
  // reads them.
  unsafe { libc::writev(fd, iov.as_ptr(), iov.len() as libc::c_int) };
}

