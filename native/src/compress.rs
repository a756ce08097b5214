//! The compress export: the new chunks of a batch, cut from one buffer, are zstd-compressed in
//! parallel on the rayon pool (off the JavaScript thread and off libuv's threadpool) in one
//! crossing, and come back as one buffer of stored chunks back to back. A chunk that does not
//! shrink is stored raw (darner's format keeps such chunks uncompressed).

use std::cell::RefCell;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{Buffer, Object};
use napi::{Env, Status};
use napi_derive::napi;
use rayon::prelude::*;

use crate::chunks::{FLAG_ZSTD, MAX_CHUNK_SIZE};
use crate::digests::panic_message;
use crate::errors::{from_napi, invalid_arg, out_of_range, throw};

const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Checks `ranges` (offset, length pairs) against a buffer of `len` bytes.
pub fn parse_ranges(len: usize, ranges: &[f64]) -> Result<Vec<Range<usize>>, String> {
  if ranges.len() % 2 != 0 {
    return Err(format!("ranges has {} numbers, not offset/length pairs", ranges.len()));
  }
  let whole = |i: usize| -> Result<usize, String> {
    let v = ranges[i];
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_SAFE_INTEGER {
      Ok(v as usize)
    } else {
      Err(format!("ranges[{i}] must be a whole number from 0 to 2^53 - 1, got {v}"))
    }
  };
  let mut out = Vec::with_capacity(ranges.len() / 2);
  for pair in 0..ranges.len() / 2 {
    let offset = whole(pair * 2)?;
    let length = whole(pair * 2 + 1)?;
    if length > MAX_CHUNK_SIZE {
      return Err(format!("chunk {pair}: {length} bytes is more than a chunk may hold ({MAX_CHUNK_SIZE})"));
    }
    if offset > len || length > len - offset {
      return Err(format!("chunk {pair}: bytes {offset}+{length} run past the end of the data ({len} bytes)"));
    }
    out.push(offset..offset + length);
  }
  Ok(out)
}

thread_local! {
  // One compression context per rayon thread and level, reused across batches.
  static COMPRESSOR: RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> = const { RefCell::new(None) };
}

/// The stored form of one chunk: a zstd frame when that is smaller, else None (store it raw).
fn compress_one(data: &[u8], level: i32) -> Option<Vec<u8>> {
  if data.len() <= 1 {
    return None;
  }
  COMPRESSOR.with(|cell| {
    let mut slot = cell.borrow_mut();
    if slot.as_ref().map(|(l, _)| *l) != Some(level) {
      *slot = zstd::bulk::Compressor::new(level).ok().map(|c| (level, c));
    }
    let (_, compressor) = slot.as_mut()?;
    // One byte less than the chunk: zstd refuses (errors) when the frame would not be smaller.
    let mut out = Vec::with_capacity(data.len() - 1);
    match compressor.compress_to_buffer(data, &mut out) {
      Ok(n) if n < data.len() => Some(out),
      Ok(_) => None,
      Err(_) => {
        *slot = None;
        None
      }
    }
  })
}

/// Each chunk's stored length and flags; the stored bytes are back to back in the output.
pub struct Compressed {
  pub lengths: Vec<u32>,
  pub flags: Vec<u32>,
}

/// Compresses every range of `data` in parallel and writes the stored chunks, in order, to the
/// start of `out`, which must hold at least the ranges' total length.
pub fn compress_all(data: &[u8], ranges: &[Range<usize>], level: i32, out: &mut [u8]) -> Compressed {
  let frames: Vec<Option<Vec<u8>>> = ranges.par_iter().map(|r| compress_one(&data[r.clone()], level)).collect();
  let mut result = Compressed { lengths: Vec::with_capacity(ranges.len()), flags: Vec::with_capacity(ranges.len()) };
  let mut at = 0usize;
  for (frame, range) in frames.iter().zip(ranges) {
    let (bytes, flags) = match frame {
      Some(frame) => (&frame[..], FLAG_ZSTD),
      None => (&data[range.clone()], 0),
    };
    out[at..at + bytes.len()].copy_from_slice(bytes);
    at += bytes.len();
    // A chunk is at most MAX_CHUNK_SIZE bytes (checked), so its length fits.
    result.lengths.push(bytes.len() as u32);
    result.flags.push(flags);
  }
  result
}

#[napi(object)]
pub struct CompressResult {
  /// Per chunk, its stored length (chunk i starts after the lengths before it).
  pub lengths: Vec<u32>,
  /// Per chunk, 1 when it is a zstd frame, 0 when stored raw.
  pub flags: Vec<u32>,
}

type Resolver = Box<dyn FnOnce(Env) -> napi::Result<CompressResult> + Send>;

/// zstd-compresses the chunks at `ranges` (offset, length pairs) of `data`, in parallel off the
/// JavaScript thread, into `out` (at least as long as the ranges together). Neither buffer may
/// be touched until the promise settles.
#[napi(
  ts_args_type = "level: number, data: Buffer, ranges: number[], out: Buffer",
  ts_return_type = "Promise<{ lengths: number[]; flags: number[] }>"
)]
pub fn compress_ranges<'env>(
  env: &'env Env,
  level: i32,
  data: Buffer,
  ranges: Vec<f64>,
  out: Buffer,
) -> napi::Result<Object<'env>> {
  let start = || {
    if !(1..=22).contains(&level) {
      return Err(invalid_arg(format!("zstd level {level} is not in 1..=22")));
    }
    let ranges = parse_ranges(data.len(), &ranges).map_err(out_of_range)?;
    let total: usize = ranges.iter().map(|r| r.len()).sum();
    if total > out.len() {
      return Err(out_of_range(format!("the output holds {} bytes, the chunks {total}", out.len())));
    }
    let (deferred, promise) = env.create_deferred::<CompressResult, Resolver>().map_err(from_napi)?;
    rayon::spawn(move || {
      let mut out = out;
      let outcome = catch_unwind(AssertUnwindSafe(|| compress_all(&data, &ranges, level, &mut out)));
      deferred.resolve(Box::new(move |_env| {
        // Dropped here, on the JavaScript thread: releases the references to the buffers.
        drop(data);
        drop(out);
        match outcome {
          Ok(c) => Ok(CompressResult { lengths: c.lengths, flags: c.flags }),
          Err(payload) => Err(napi::Error::new(
            Status::GenericFailure,
            format!("chunk compression failed: {}", panic_message(payload.as_ref())),
          )),
        }
      }));
    });
    Ok(promise)
  };
  start().map_err(|err| throw(env, err))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn compresses_what_shrinks_and_keeps_the_rest_raw() {
    let text: Vec<u8> = (0..50_000u32).map(|i| b"darner "[(i % 7) as usize]).collect();
    let mut random = vec![0u8; 20_000];
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for b in random.iter_mut() {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      *b = x as u8;
    }
    let mut data = text.clone();
    data.extend_from_slice(&random);
    let ranges = parse_ranges(data.len(), &[0.0, text.len() as f64, text.len() as f64, random.len() as f64]).unwrap();
    let mut stored = vec![0u8; data.len()];
    let out = compress_all(&data, &ranges, 3, &mut stored);
    assert_eq!(out.flags, vec![FLAG_ZSTD, 0]);
    let first = out.lengths[0] as usize;
    assert!(first < text.len());
    assert_eq!(out.lengths[1] as usize, random.len());
    assert_eq!(zstd::bulk::decompress(&stored[..first], text.len()).unwrap(), text);
    assert_eq!(&stored[first..first + random.len()], &random[..]);
  }

  #[test]
  fn refuses_ranges_outside_the_data() {
    assert!(parse_ranges(10, &[5.0, 6.0]).is_err());
    assert!(parse_ranges(10, &[1.0]).is_err());
    assert!(parse_ranges(10, &[-1.0, 2.0]).is_err());
    assert!(parse_ranges(10, &[0.5, 2.0]).is_err());
    assert_eq!(parse_ranges(10, &[2.0, 8.0, 0.0, 0.0]).unwrap(), vec![2..10, 0..0]);
  }
}
