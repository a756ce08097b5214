//! The part of the FUSE wire format (linux/fuse.h, protocol 7.x) the blob devices speak: request
//! decoding, every field bounds-checked, and reply encoding. No I/O: the server (../blobdev.rs)
//! reads requests from /dev/fuse and writes what these functions build.

pub const PAGE: u64 = 4096;
/// Largest read the kernel may send: max_pages (256) pages.
pub const MAX_PAGES: u16 = 256;
pub const MAX_READ: u32 = MAX_PAGES as u32 * PAGE as u32;
/// Seconds the kernel may cache names and attributes: the files never change while mounted.
pub const TTL: u64 = 86_400;
pub const ROOT_ID: u64 = 1;

// Opcodes (linux/fuse.h).
pub const LOOKUP: u32 = 1;
pub const FORGET: u32 = 2;
pub const GETATTR: u32 = 3;
pub const OPEN: u32 = 14;
pub const READ: u32 = 15;
pub const STATFS: u32 = 17;
pub const RELEASE: u32 = 18;
pub const GETXATTR: u32 = 22;
pub const LISTXATTR: u32 = 23;
pub const FLUSH: u32 = 25;
pub const INIT: u32 = 26;
pub const OPENDIR: u32 = 27;
pub const READDIR: u32 = 28;
pub const RELEASEDIR: u32 = 29;
pub const ACCESS: u32 = 34;
pub const INTERRUPT: u32 = 36;
pub const DESTROY: u32 = 38;
pub const BATCH_FORGET: u32 = 42;
/// Operations that would change the filesystem: EROFS.
pub const WRITES: [u32; 16] = [4, 6, 8, 9, 10, 11, 12, 13, 16, 21, 24, 35, 43, 45, 47, 51];

// INIT flags.
const FUSE_ASYNC_READ: u32 = 1 << 0;
const FUSE_PARALLEL_DIROPS: u32 = 1 << 18;
const FUSE_MAX_PAGES: u32 = 1 << 22;
pub const FOPEN_KEEP_CACHE: u32 = 1 << 1;

/// Notification (written with unique 0, its code as the error): requeue every request the
/// connection's servers read and never answered (kernel 6.9+).
pub const NOTIFY_RESEND: i32 = 7;
/// The bit the kernel sets in the unique of a request it sends again after NOTIFY_RESEND.
pub const UNIQUE_RESEND: u64 = 1 << 63;

pub const IN_HEADER: usize = 40;
pub const OUT_HEADER: usize = 16;

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const DT_DIR: u32 = 4;
const DT_REG: u32 = 8;

pub fn u16_at(b: &[u8], at: usize) -> Option<u16> {
  Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
  Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
pub fn u64_at(b: &[u8], at: usize) -> Option<u64> {
  Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A request as read from /dev/fuse: struct fuse_in_header and the body after it.
#[derive(Debug, PartialEq, Eq)]
pub struct Request<'a> {
  pub opcode: u32,
  pub unique: u64,
  pub nodeid: u64,
  /// The bytes after the header, up to the header's `len` (never past what was read), without
  /// the request extensions at the end (`total_extlen` × 8 bytes).
  pub body: &'a [u8],
}

/// Why a request cannot be served.
#[derive(Debug, PartialEq, Eq)]
pub enum Malformed {
  /// Not even the header's len, opcode, unique and nodeid: nothing to answer.
  NoHeader,
  /// A header without room for its body: answer `unique` EINVAL.
  Truncated { unique: u64 },
}

pub fn decode(request: &[u8]) -> Result<Request<'_>, Malformed> {
  let (Some(len), Some(opcode), Some(unique), Some(nodeid)) =
    (u32_at(request, 0), u32_at(request, 4), u64_at(request, 8), u64_at(request, 16))
  else {
    return Err(Malformed::NoHeader);
  };
  let extensions = u16_at(request, 36).unwrap_or(0) as usize * 8;
  let end = (len as usize).min(request.len()).saturating_sub(extensions).max(IN_HEADER);
  let body = request.get(IN_HEADER..end).ok_or(Malformed::Truncated { unique })?;
  Ok(Request { opcode, unique, nodeid, body })
}

/// struct fuse_out_header.
pub fn out_header(len: usize, error: i32, unique: u64) -> [u8; OUT_HEADER] {
  let mut header = [0u8; OUT_HEADER];
  header[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
  header[4..8].copy_from_slice(&error.to_ne_bytes());
  header[8..16].copy_from_slice(&unique.to_ne_bytes());
  header
}

/// The number JavaScript gets for request `unique` (and hands back with its answer): a double
/// holds integers up to 2^53 only, and a resent request's unique has bit 63 set, so that bit
/// becomes the sign. The kernel's counter stays far below 2^53 in the other bits.
pub fn token_of_unique(unique: u64) -> f64 {
  let low = (unique & !UNIQUE_RESEND) as f64;
  if unique & UNIQUE_RESEND != 0 {
    -low
  } else {
    low
  }
}

/// The unique of a token from `token_of_unique`.
pub fn unique_of_token(token: f64) -> u64 {
  if token < 0.0 {
    (-token) as u64 | UNIQUE_RESEND
  } else {
    token as u64
  }
}

/// struct fuse_init_out for struct fuse_init_in `body`; Err(errno) when the body is short.
pub fn init_out(body: &[u8]) -> Result<Vec<u8>, i32> {
  let (Some(major), Some(minor), Some(max_readahead), Some(flags)) =
    (u32_at(body, 0), u32_at(body, 4), u32_at(body, 8), u32_at(body, 12))
  else {
    return Err(libc::EINVAL);
  };
  if major != 7 {
    // The kernel retries with the major version we answer; we speak 7 only.
    let mut out = Vec::with_capacity(8);
    out.extend_from_slice(&7u32.to_ne_bytes());
    out.extend_from_slice(&38u32.to_ne_bytes());
    return Ok(out);
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
  Ok(out)
}

/// struct fuse_attr of the root directory (`size` None) or of a device file of `size` bytes;
/// every time is `time` (seconds, nanoseconds).
pub fn fuse_attr(nodeid: u64, size: Option<u64>, time: (u64, u32)) -> Vec<u8> {
  let (mode, size, nlink) = match size {
    None => (S_IFDIR | 0o500, 0, 2),
    Some(size) => (S_IFREG | 0o400, size, 1),
  };
  let (secs, nsec) = time;
  let mut a = Vec::with_capacity(88);
  for v in [nodeid, size, size.div_ceil(512), secs, secs, secs] {
    a.extend_from_slice(&v.to_ne_bytes());
  }
  for v in [nsec, nsec, nsec, mode, nlink, 0, 0, 0, PAGE as u32, 0] {
    a.extend_from_slice(&v.to_ne_bytes());
  }
  a
}

/// struct fuse_attr_out around `attr`.
pub fn attr_out(attr: &[u8]) -> Vec<u8> {
  let mut out = Vec::with_capacity(104);
  out.extend_from_slice(&TTL.to_ne_bytes());
  out.extend_from_slice(&0u32.to_ne_bytes());
  out.extend_from_slice(&0u32.to_ne_bytes());
  out.extend_from_slice(attr);
  out
}

/// struct fuse_entry_out of node `nodeid` with `attr`.
pub fn entry_out(nodeid: u64, attr: &[u8]) -> Vec<u8> {
  let mut out = Vec::with_capacity(128);
  for v in [nodeid, 0, TTL, TTL] {
    out.extend_from_slice(&v.to_ne_bytes());
  }
  out.extend_from_slice(&[0u8; 8]);
  out.extend_from_slice(attr);
  out
}

/// struct fuse_open_out.
pub fn open_out(open_flags: u32) -> [u8; 16] {
  let mut out = [0u8; 16];
  out[8..12].copy_from_slice(&open_flags.to_ne_bytes());
  out
}

/// The open flags of struct fuse_open_in (0 when the body is short).
pub fn open_flags(body: &[u8]) -> i32 {
  u32_at(body, 0).unwrap_or(0) as i32
}

/// struct fuse_statfs_out: `blocks` pages in use, `files` inodes, nothing free.
pub fn statfs_out(blocks: u64, files: u64) -> Vec<u8> {
  let mut out = Vec::with_capacity(80);
  for v in [blocks, 0, 0, files, 0] {
    out.extend_from_slice(&v.to_ne_bytes());
  }
  for v in [PAGE as u32, 255, PAGE as u32, 0, 0, 0, 0, 0, 0, 0] {
    out.extend_from_slice(&v.to_ne_bytes());
  }
  out
}

/// The name of a LOOKUP body: the bytes before its first NUL.
pub fn lookup_name(body: &[u8]) -> &[u8] {
  body.split(|&b| b == 0).next().unwrap_or(&[])
}

/// A device name: its index in decimal, no leading zeros.
pub fn parse_name(name: &[u8]) -> Option<u64> {
  if name.is_empty() || name.len() > 9 || (name.len() > 1 && name[0] == b'0') || !name.iter().all(u8::is_ascii_digit) {
    return None;
  }
  std::str::from_utf8(name).ok()?.parse().ok()
}

/// The node id of device `index`.
pub fn device_nodeid(index: u64) -> u64 {
  index.saturating_add(ROOT_ID + 1)
}

/// (offset, size) of struct fuse_read_in, also the layout of fuse_readdir_in's first fields.
pub fn read_in(body: &[u8]) -> Option<(u64, u32)> {
  Some((u64_at(body, 8)?, u32_at(body, 16)?))
}

/// Bytes a read of `size` at `offset` returns from a file of `file_size` bytes: at most MAX_READ,
/// never past the end; 0 for a read at or past the end.
pub fn read_length(offset: u64, size: u32, file_size: u64) -> u64 {
  if offset >= file_size || size == 0 {
    return 0;
  }
  u64::from(size.min(MAX_READ)).min(file_size - offset)
}

/// READDIR of the root holding `devices` files: the struct fuse_dirent entries from index
/// `offset` (`.`, `..`, then `0`, `1`, …) that fit in `size` bytes.
pub fn readdir_out(devices: u64, offset: u64, size: u32) -> Vec<u8> {
  let count = devices + 2;
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
  out
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
