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

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::{BufferSlice, FnArgs, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;

use crate::errors::{invalid_arg, last_errno, syscall_error, syscall_error_to, throw, JsResult};
use crate::fsops::c_string;

const PAGE: u64 = 4096;
/// Largest read the kernel may send: max_pages (256) pages.
const MAX_PAGES: u16 = 256;
const MAX_READ: u32 = MAX_PAGES as u32 * PAGE as u32;
/// Seconds the kernel may cache names and attributes: the files never change while mounted.
const TTL: u64 = 86_400;
const ROOT_ID: u64 = 1;
/// Threads reading /dev/fuse: cached reads are answered on them (a pread each).
const THREADS: usize = 4;
/// Request buffer: FUSE wants room for max_write (4 KiB here) plus headers; names are short.
const REQUEST_BUFFER: usize = 64 * 1024 + 4096;

// Opcodes (linux/fuse.h).
const LOOKUP: u32 = 1;
const FORGET: u32 = 2;
const GETATTR: u32 = 3;
const OPEN: u32 = 14;
const READ: u32 = 15;
const STATFS: u32 = 17;
const RELEASE: u32 = 18;
const GETXATTR: u32 = 22;
const LISTXATTR: u32 = 23;
const FLUSH: u32 = 25;
const INIT: u32 = 26;
const OPENDIR: u32 = 27;
const READDIR: u32 = 28;
const RELEASEDIR: u32 = 29;
const ACCESS: u32 = 34;
const INTERRUPT: u32 = 36;
const DESTROY: u32 = 38;
const BATCH_FORGET: u32 = 42;
/// Operations that would change the filesystem: EROFS.
const WRITES: [u32; 16] = [4, 6, 8, 9, 10, 11, 12, 13, 16, 21, 24, 35, 43, 45, 47, 51];

// INIT flags.
const FUSE_ASYNC_READ: u32 = 1 << 0;
const FUSE_PARALLEL_DIROPS: u32 = 1 << 18;
const FUSE_MAX_PAGES: u32 = 1 << 22;
const FOPEN_KEEP_CACHE: u32 = 1 << 1;

const IN_HEADER: usize = 40;
const OUT_HEADER: usize = 16;

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const DT_DIR: u32 = 4;
const DT_REG: u32 = 8;

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
  /// One bit per page of the address space: set = answer from the cache file.
  marked: Vec<AtomicU64>,
}

impl Device {
  fn pages(&self) -> u64 {
    self.size.div_ceil(PAGE)
  }

  /// Sets or clears the bits of pages [first, end).
  fn set(&self, first: u64, end: u64, on: bool) {
    for (word, mask) in page_masks(first, end.min(self.pages())) {
      if let Some(w) = self.marked.get(word) {
        if on {
          w.fetch_or(mask, Ordering::Release);
        } else {
          w.fetch_and(!mask, Ordering::Release);
        }
      }
    }
  }

  /// True when every page of bytes [offset, end) is marked.
  fn all_marked(&self, offset: u64, end: u64) -> bool {
    if end <= offset {
      return true;
    }
    page_masks(offset / PAGE, (end - 1) / PAGE + 1)
      .all(|(word, mask)| self.marked.get(word).is_some_and(|w| w.load(Ordering::Acquire) & mask == mask))
  }
}

/// The bitmap words and bits of pages [first, end), one word at a time.
fn page_masks(first: u64, end: u64) -> impl Iterator<Item = (usize, u64)> {
  let mut page = first;
  std::iter::from_fn(move || {
    if page >= end {
      return None;
    }
    let bit = page % 64;
    let span = (64 - bit).min(end - page);
    let mask = if span == 64 { u64::MAX } else { ((1u64 << span) - 1) << bit };
    let word = (page / 64) as usize;
    page += span;
    Some((word, mask))
  })
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
    let words = size.div_ceil(PAGE).div_ceil(64) as usize;
    devices.push(Device { size, cache, marked: (0..words).map(|_| AtomicU64::new(0)).collect() });
  }
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
      // No thread at all: nothing would ever answer. Take the mount away again.
      // SAFETY: NUL-terminated path.
      unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
      return Err(syscall_error(libc::EAGAIN, "pthread_create", &mountpoint));
    }
  }
  Ok(BlobDeviceServer { shared: Arc::downgrade(&shared), keep: Mutex::new(Some(shared)), counts })
}

#[napi]
impl BlobDeviceServer {
  /// The server, while it lives.
  fn shared(&self) -> Option<Arc<Shared>> {
    self.shared.upgrade()
  }

  /// Answers read `unique` with `data` (at most the length asked for).
  #[napi(catch_unwind)]
  pub fn reply(&self, unique: f64, data: BufferSlice) {
    if let Some(shared) = self.shared() {
      reply_parts(shared.fd.as_raw_fd(), unique as u64, 0, &[&data]);
    }
  }

  /// Answers read `unique` with an error (a positive errno such as EIO = 5).
  #[napi(catch_unwind)]
  pub fn reply_error(&self, unique: f64, errno: i32) {
    if let Some(shared) = self.shared() {
      reply_parts(shared.fd.as_raw_fd(), unique as u64, -errno.abs(), &[]);
    }
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
    d.set(start / PAGE, end.div_ceil(PAGE), cached);
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

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
  Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
  Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
  Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn handle(shared: &Shared, fd: RawFd, request: &[u8], reply: &mut [u8]) {
  let (Some(len), Some(opcode), Some(unique), Some(nodeid)) = (u32_at(request, 0), u32_at(request, 4), u64_at(request, 8), u64_at(request, 16)) else {
    return; // not even a header: nothing to answer
  };
  let extensions = u16_at(request, 36).unwrap_or(0) as usize * 8;
  let body = match request.get(IN_HEADER..(len as usize).min(request.len()).saturating_sub(extensions).max(IN_HEADER)) {
    Some(body) => body,
    None => return reply_error(fd, unique, libc::EINVAL),
  };
  match opcode {
    INIT => init(fd, unique, body),
    LOOKUP => lookup(shared, fd, unique, nodeid, body),
    GETATTR => match attr_of(shared, nodeid) {
      Some(attr) => {
        let mut out = Vec::with_capacity(104);
        out.extend_from_slice(&TTL.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
        out.extend_from_slice(&attr);
        reply_ok(fd, unique, &out);
      }
      None => reply_error(fd, unique, libc::ENOENT),
    },
    OPEN => {
      if nodeid == ROOT_ID {
        return reply_error(fd, unique, libc::EISDIR);
      }
      if device_of(shared, nodeid).is_none() {
        return reply_error(fd, unique, libc::ENOENT);
      }
      let flags = u32_at(body, 0).unwrap_or(0) as i32;
      if flags & libc::O_ACCMODE != libc::O_RDONLY {
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
    READDIR => readdir(shared, fd, unique, nodeid, body),
    STATFS => {
      let blocks: u64 = shared.devices.iter().map(|d| d.size.div_ceil(PAGE)).sum();
      let mut out = Vec::with_capacity(80);
      for v in [blocks, 0, 0, shared.devices.len() as u64 + 1, 0] {
        out.extend_from_slice(&v.to_ne_bytes());
      }
      for v in [PAGE as u32, 255, PAGE as u32, 0, 0, 0, 0, 0, 0, 0] {
        out.extend_from_slice(&v.to_ne_bytes());
      }
      reply_ok(fd, unique, &out);
    }
    RELEASE | RELEASEDIR | FLUSH | ACCESS | DESTROY => reply_ok(fd, unique, &[]),
    FORGET | BATCH_FORGET | INTERRUPT => {}
    GETXATTR | LISTXATTR => reply_error(fd, unique, libc::ENOSYS),
    op if WRITES.contains(&op) => reply_error(fd, unique, libc::EROFS),
    _ => reply_error(fd, unique, libc::ENOSYS),
  }
}

fn init(fd: RawFd, unique: u64, body: &[u8]) {
  let (Some(major), Some(minor), Some(max_readahead), Some(flags)) = (u32_at(body, 0), u32_at(body, 4), u32_at(body, 8), u32_at(body, 12)) else {
    return reply_error(fd, unique, libc::EINVAL);
  };
  if major != 7 {
    // The kernel retries with the major version we answer; we speak 7 only.
    let mut out = Vec::with_capacity(8);
    out.extend_from_slice(&7u32.to_ne_bytes());
    out.extend_from_slice(&38u32.to_ne_bytes());
    return reply_ok(fd, unique, &out);
  }
  let mut out = Vec::with_capacity(64);
  out.extend_from_slice(&7u32.to_ne_bytes());
  out.extend_from_slice(&minor.min(38).to_ne_bytes());
  out.extend_from_slice(&max_readahead.to_ne_bytes());
  out.extend_from_slice(&(flags & (FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES)).to_ne_bytes());
  out.extend_from_slice(&64u16.to_ne_bytes()); // max_background
  out.extend_from_slice(&48u16.to_ne_bytes()); // congestion_threshold
  out.extend_from_slice(&4096u32.to_ne_bytes()); // max_write (nothing is written)
  out.extend_from_slice(&1u32.to_ne_bytes()); // time_gran
  out.extend_from_slice(&MAX_PAGES.to_ne_bytes());
  out.extend_from_slice(&0u16.to_ne_bytes()); // map_alignment
  out.extend_from_slice(&0u32.to_ne_bytes()); // flags2
  out.extend_from_slice(&[0u8; 28]); // unused[7]
  reply_ok(fd, unique, &out);
}

fn device_of(shared: &Shared, nodeid: u64) -> Option<(usize, &Device)> {
  let index = usize::try_from(nodeid.checked_sub(ROOT_ID + 1)?).ok()?;
  shared.devices.get(index).map(|d| (index, d))
}

/// struct fuse_attr of a node.
fn attr_of(shared: &Shared, nodeid: u64) -> Option<Vec<u8>> {
  let (mode, size, nlink) = if nodeid == ROOT_ID {
    (S_IFDIR | 0o500, 0, 2)
  } else {
    (S_IFREG | 0o400, device_of(shared, nodeid)?.1.size, 1)
  };
  let (secs, nsec) = shared.time;
  let mut a = Vec::with_capacity(88);
  for v in [nodeid, size, size.div_ceil(512), secs, secs, secs] {
    a.extend_from_slice(&v.to_ne_bytes());
  }
  for v in [nsec, nsec, nsec, mode, nlink, 0, 0, 0, PAGE as u32, 0] {
    a.extend_from_slice(&v.to_ne_bytes());
  }
  Some(a)
}

fn open_out(open_flags: u32) -> [u8; 16] {
  let mut out = [0u8; 16];
  out[8..12].copy_from_slice(&open_flags.to_ne_bytes());
  out
}

/// A device name: its index in decimal, no leading zeros.
fn parse_name(name: &[u8]) -> Option<u64> {
  if name.is_empty() || name.len() > 9 || (name.len() > 1 && name[0] == b'0') || !name.iter().all(u8::is_ascii_digit) {
    return None;
  }
  std::str::from_utf8(name).ok()?.parse().ok()
}

fn lookup(shared: &Shared, fd: RawFd, unique: u64, parent: u64, body: &[u8]) {
  if parent != ROOT_ID {
    return reply_error(fd, unique, libc::ENOTDIR);
  }
  let name = body.split(|&b| b == 0).next().unwrap_or(&[]);
  let Some(index) = parse_name(name) else { return reply_error(fd, unique, libc::ENOENT) };
  let nodeid = index.saturating_add(ROOT_ID + 1);
  let Some(attr) = attr_of(shared, nodeid) else { return reply_error(fd, unique, libc::ENOENT) };
  let mut out = Vec::with_capacity(128);
  for v in [nodeid, 0, TTL, TTL] {
    out.extend_from_slice(&v.to_ne_bytes());
  }
  out.extend_from_slice(&[0u8; 8]);
  out.extend_from_slice(&attr);
  reply_ok(fd, unique, &out);
}

fn readdir(shared: &Shared, fd: RawFd, unique: u64, nodeid: u64, body: &[u8]) {
  if nodeid != ROOT_ID {
    return reply_error(fd, unique, libc::ENOTDIR);
  }
  let (Some(offset), Some(size)) = (u64_at(body, 8), u32_at(body, 16)) else {
    return reply_error(fd, unique, libc::EINVAL);
  };
  let count = shared.devices.len() as u64 + 2;
  let mut out = Vec::new();
  let mut index = offset;
  while index < count {
    let (ino, kind, name) = match index {
      0 => (ROOT_ID, DT_DIR, ".".to_owned()),
      1 => (ROOT_ID, DT_DIR, "..".to_owned()),
      i => (i, DT_REG, (i - 2).to_string()),
    };
    let entry = 24 + name.len();
    let padded = entry.div_ceil(8) * 8;
    if out.len() + padded > size as usize {
      break;
    }
    out.extend_from_slice(&ino.to_ne_bytes());
    out.extend_from_slice(&(index + 1).to_ne_bytes());
    out.extend_from_slice(&(name.len() as u32).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(name.as_bytes());
    out.resize(out.len() + padded - entry, 0);
    index += 1;
  }
  reply_ok(fd, unique, &out);
}

fn read(shared: &Shared, fd: RawFd, unique: u64, nodeid: u64, body: &[u8], reply: &mut [u8]) {
  let (Some(offset), Some(size)) = (u64_at(body, 8), u32_at(body, 16)) else {
    return reply_error(fd, unique, libc::EINVAL);
  };
  let Some((index, device)) = device_of(shared, nodeid) else { return reply_error(fd, unique, libc::ENOENT) };
  if offset >= device.size || size == 0 {
    return reply_ok(fd, unique, &[]);
  }
  let length = u64::from(size.min(MAX_READ)).min(device.size - offset);
  if let Some(cache) = &device.cache {
    if device.all_marked(offset, offset + length) {
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
    (unique as f64, index as u32, offset as f64, length as u32).into(),
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

/// struct fuse_out_header.
fn out_header(len: usize, error: i32, unique: u64) -> [u8; OUT_HEADER] {
  let mut header = [0u8; OUT_HEADER];
  header[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
  header[4..8].copy_from_slice(&error.to_ne_bytes());
  header[8..16].copy_from_slice(&unique.to_ne_bytes());
  header
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

