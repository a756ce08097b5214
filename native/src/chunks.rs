//! Pure chunk decoding and verification: the layout of a batch (chunks cut from one buffer of
//! stored blob bytes), decoding each chunk (one zstd frame, or raw bytes) into an output buffer
//! sized from the chunk table, never from the frame, and digesting what it decoded to. No napi
//! here, so it is testable with `cargo test`.

use std::cell::RefCell;
use std::ops::Range;

use rayon::prelude::*;

use crate::digest::{digest, Algorithm, Digest32, DIGEST_LEN};

/// The largest chunk darner writes (format: chunk sizes up to 16 MiB).
pub const MAX_CHUNK_SIZE: usize = 16 * 1024 * 1024;
/// The most uncompressed bytes one batch may produce (a bound on the output allocation).
pub const MAX_BATCH_OUTPUT: usize = 1 << 31;
/// Chunk flag: the stored bytes are one zstd frame (otherwise raw).
pub const FLAG_ZSTD: u32 = 0x1;

/// Numbers per chunk in a layout: offset in the stored buffer, stored size, size, flags.
pub const LAYOUT_FIELDS: usize = 4;

/// What became of one chunk of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Status {
  Ok = 0,
  DigestMismatch = 1,
  BadFrame = 2,
  WrongSize = 3,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkSpec {
  /// Where its stored bytes are in the batch's stored buffer.
  pub stored: Range<usize>,
  /// Its uncompressed size.
  pub size: usize,
  pub zstd: bool,
}

const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn whole(layout: &[f64], index: usize, name: &str) -> Result<usize, String> {
  let value = layout[index];
  if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER {
    usize::try_from(value as u64).map_err(|_| format!("layout[{index}] ({name}) is too large"))
  } else {
    Err(format!("layout[{index}] ({name}) must be a whole number from 0 to 2^53 - 1, got {value}"))
  }
}

/// Checks a batch layout (LAYOUT_FIELDS numbers per chunk) against a stored buffer of
/// `stored_len` bytes and `digests_len` bytes of expected digests.
pub fn parse_layout(stored_len: usize, layout: &[f64], digests_len: usize) -> Result<Vec<ChunkSpec>, String> {
  if layout.len() % LAYOUT_FIELDS != 0 {
    return Err(format!("layout has {} numbers, not a multiple of {LAYOUT_FIELDS}", layout.len()));
  }
  let count = layout.len() / LAYOUT_FIELDS;
  if digests_len != count * DIGEST_LEN {
    return Err(format!("digests has {digests_len} bytes, expected {} for {count} chunks", count * DIGEST_LEN));
  }
  let mut specs = Vec::with_capacity(count);
  let mut total = 0usize;
  for i in 0..count {
    let at = i * LAYOUT_FIELDS;
    let offset = whole(layout, at, "offset")?;
    let stored_size = whole(layout, at + 1, "stored size")?;
    let size = whole(layout, at + 2, "size")?;
    let flags = whole(layout, at + 3, "flags")?;
    if offset > stored_len || stored_size > stored_len - offset {
      return Err(format!(
        "chunk {i}: stored bytes {offset}+{stored_size} run past the end of the buffer ({stored_len} bytes)"
      ));
    }
    if size == 0 || size > MAX_CHUNK_SIZE {
      return Err(format!("chunk {i}: size {size} is not in 1..={MAX_CHUNK_SIZE}"));
    }
    if flags & !(FLAG_ZSTD as usize) != 0 {
      return Err(format!("chunk {i}: unknown flags {flags:#x}"));
    }
    total += size;
    if total > MAX_BATCH_OUTPUT {
      return Err(format!("the batch decodes to more than {MAX_BATCH_OUTPUT} bytes"));
    }
    specs.push(ChunkSpec { stored: offset..offset + stored_size, size, zstd: flags & FLAG_ZSTD as usize != 0 });
  }
  Ok(specs)
}

thread_local! {
  // One decompression context per rayon thread, reused across batches.
  static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Decodes `stored` into `out` (exactly the chunk's size). The frame may not produce more than
/// `out.len()` bytes: zstd stops with an error instead of growing anything.
fn decode_into(stored: &[u8], out: &mut [u8], zstd: bool) -> Status {
  if !zstd {
    if stored.len() != out.len() {
      return Status::WrongSize;
    }
    out.copy_from_slice(stored);
    return Status::Ok;
  }
  DECOMPRESSOR.with(|cell| {
    let mut slot = cell.borrow_mut();
    if slot.is_none() {
      match zstd::bulk::Decompressor::new() {
        Ok(d) => *slot = Some(d),
        Err(_) => return Status::BadFrame,
      }
    }
    let Some(decompressor) = slot.as_mut() else { return Status::BadFrame };
    match decompressor.decompress_to_buffer(stored, out) {
      Ok(n) if n == out.len() => Status::Ok,
      Ok(_) => Status::WrongSize,
      Err(_) => {
        // A failed call can leave the context mid-frame: start the next chunk from a fresh one.
        *slot = None;
        Status::BadFrame
      }
    }
  })
}

/// The result of a batch: the decoded chunks back to back, a status per chunk, and the digest of
/// each chunk's decoded bytes (zeros where it did not decode).
pub struct Decoded {
  pub data: Vec<u8>,
  pub status: Vec<u32>,
  pub digests: Vec<u8>,
}

/// Decodes and verifies every chunk of `specs` in parallel on the rayon pool.
pub fn decode_verify_all(algorithm: Algorithm, stored: &[u8], specs: &[ChunkSpec], expected: &[u8]) -> Decoded {
  let total: usize = specs.iter().map(|s| s.size).sum();
  let mut data = vec![0u8; total];
  let mut outputs: Vec<&mut [u8]> = Vec::with_capacity(specs.len());
  let mut rest: &mut [u8] = &mut data;
  for spec in specs {
    let (head, tail) = rest.split_at_mut(spec.size);
    outputs.push(head);
    rest = tail;
  }
  let results: Vec<(Status, Digest32)> = outputs
    .into_par_iter()
    .zip(specs.par_iter())
    .enumerate()
    .map(|(i, (out, spec))| {
      let status = decode_into(&stored[spec.stored.clone()], out, spec.zstd);
      if status != Status::Ok {
        return (status, [0u8; DIGEST_LEN]);
      }
      let actual = digest(algorithm, out, true);
      let want = &expected[i * DIGEST_LEN..(i + 1) * DIGEST_LEN];
      (if actual[..] == *want { Status::Ok } else { Status::DigestMismatch }, actual)
    })
    .collect();
  let mut status = Vec::with_capacity(results.len());
  let mut digests = Vec::with_capacity(results.len() * DIGEST_LEN);
  for (s, d) in results {
    status.push(s as u32);
    digests.extend_from_slice(&d);
  }
  Decoded { data, status, digests }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn spec(offset: usize, stored: usize, size: usize, zstd: bool) -> Vec<f64> {
    vec![offset as f64, stored as f64, size as f64, if zstd { 1.0 } else { 0.0 }]
  }

  #[test]
  fn decodes_and_verifies_raw_and_zstd_chunks() {
    let a: Vec<u8> = (0..10_000u32).map(|i| (i % 7) as u8).collect();
    let b: Vec<u8> = (0..3000u32).map(|i| (i * 13 % 251) as u8).collect();
    let za = zstd::bulk::compress(&a, 3).unwrap();
    let mut stored = za.clone();
    stored.extend_from_slice(&b);
    let mut layout = spec(0, za.len(), a.len(), true);
    layout.extend(spec(za.len(), b.len(), b.len(), false));
    let mut expected = digest(Algorithm::Blake3, &a, false).to_vec();
    expected.extend_from_slice(&digest(Algorithm::Blake3, &b, false));
    let specs = parse_layout(stored.len(), &layout, expected.len()).unwrap();
    let out = decode_verify_all(Algorithm::Blake3, &stored, &specs, &expected);
    assert_eq!(out.status, vec![0, 0]);
    assert_eq!(&out.data[..a.len()], &a[..]);
    assert_eq!(&out.data[a.len()..], &b[..]);
    assert_eq!(&out.digests[..32], &expected[..32]);
  }

  #[test]
  fn reports_bad_chunks_without_failing_the_batch() {
    let a = vec![5u8; 8192];
    let za = zstd::bulk::compress(&a, 3).unwrap();
    let mut flipped = za.clone();
    let last = flipped.len() - 5;
    flipped[last] ^= 0xff;
    let mut stored = za.clone();
    stored.extend_from_slice(&flipped);
    stored.extend_from_slice(&za);
    stored.extend_from_slice(&a[..100]);
    let mut layout = spec(0, za.len(), a.len(), true); // digest wrong (below)
    layout.extend(spec(za.len(), flipped.len(), a.len(), true)); // corrupt frame
    layout.extend(spec(2 * za.len(), za.len(), a.len() - 1, true)); // frame larger than its size
    layout.extend(spec(3 * za.len(), 100, 101, false)); // raw size mismatch
    let good = digest(Algorithm::Sha256, &a, false);
    let mut expected = vec![0u8; 32];
    expected.extend_from_slice(&good);
    expected.extend_from_slice(&good);
    expected.extend_from_slice(&good);
    let specs = parse_layout(stored.len(), &layout, expected.len()).unwrap();
    let out = decode_verify_all(Algorithm::Sha256, &stored, &specs, &expected);
    assert_eq!(out.status[0], Status::DigestMismatch as u32);
    assert_eq!(&out.digests[..32], &good[..]);
    assert_ne!(out.status[1], Status::Ok as u32);
    assert_ne!(out.status[2], Status::Ok as u32);
    assert_eq!(out.status[3], Status::WrongSize as u32);
  }

  #[test]
  fn layout_is_bounds_checked() {
    assert!(parse_layout(10, &[0.0, 11.0, 5.0, 0.0], 32).unwrap_err().contains("run past"));
    assert!(parse_layout(10, &[0.0, 1.0, 5.0], 32).unwrap_err().contains("multiple"));
    assert!(parse_layout(10, &[0.0, 1.0, 5.0, 0.0], 31).unwrap_err().contains("digests"));
    assert!(parse_layout(10, &[0.0, 1.0, 0.0, 0.0], 32).unwrap_err().contains("size"));
    assert!(parse_layout(10, &[0.0, 1.0, 5.0, 2.0], 32).unwrap_err().contains("flags"));
    assert!(parse_layout(10, &[-1.0, 1.0, 5.0, 0.0], 32).is_err());
    assert!(parse_layout(10, &[0.5, 1.0, 5.0, 0.0], 32).is_err());
    let huge = (MAX_CHUNK_SIZE + 1) as f64;
    assert!(parse_layout(10, &[0.0, 1.0, huge, 0.0], 32).is_err());
  }
}
