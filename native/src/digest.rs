//! Pure digest logic: algorithm names, one digest, many digests in parallel, and cutting one
//! buffer into consecutive ranges. No napi here, so it is testable with `cargo test`.

use std::ops::Range;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Every digest darner computes is 32 bytes (blake3's default output, sha256).
pub const DIGEST_LEN: usize = 32;
pub type Digest32 = [u8; DIGEST_LEN];

/// Inputs at least this long are hashed by blake3 with its own tree parallelism (rayon) when the
/// caller allows threads: below it, splitting costs more than it wins. A batch of many such chunks
/// still parallelises across chunks first; rayon's work stealing keeps the nesting cheap.
const BLAKE3_PARALLEL_MIN: usize = 512 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
  Blake3,
  Sha256,
}

impl Algorithm {
  pub fn parse(name: &str) -> Option<Self> {
    match name {
      "blake3" => Some(Self::Blake3),
      "sha256" => Some(Self::Sha256),
      _ => None,
    }
  }
}

/// The digest of `data`. `threaded` lets blake3 spread one large input over the rayon pool; it
/// is false on the JavaScript thread, whose caller asked for a small synchronous digest.
pub fn digest(algorithm: Algorithm, data: &[u8], threaded: bool) -> Digest32 {
  match algorithm {
    Algorithm::Blake3 => {
      if threaded && data.len() >= BLAKE3_PARALLEL_MIN {
        let mut hasher = blake3::Hasher::new();
        hasher.update_rayon(data);
        *hasher.finalize().as_bytes()
      } else {
        *blake3::hash(data).as_bytes()
      }
    }
    // sha2 picks the SHA-NI / AVX2 implementation at run time when the CPU has it.
    Algorithm::Sha256 => Sha256::digest(data).into(),
  }
}

/// Digests of many inputs, in input order, computed in parallel on the rayon pool.
pub fn digest_all<T: AsRef<[u8]> + Sync>(algorithm: Algorithm, inputs: &[T]) -> Vec<Digest32> {
  inputs
    .par_iter()
    .map(|input| digest(algorithm, input.as_ref(), true))
    .collect()
}

/// The largest whole number a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Turns `lengths` (JavaScript numbers) into consecutive ranges from the start of a buffer of
/// `total` bytes. Every length must be a whole number >= 0 and their sum at most `total`; bytes
/// after the last range are not digested.
pub fn consecutive_ranges(total: usize, lengths: &[f64]) -> Result<Vec<Range<usize>>, String> {
  let mut ranges = Vec::with_capacity(lengths.len());
  let mut start = 0usize;
  for (index, &length) in lengths.iter().enumerate() {
    if !(length.is_finite() && length >= 0.0 && length.fract() == 0.0 && length <= MAX_SAFE_INTEGER) {
      return Err(format!(
        "lengths[{index}] must be a whole number from 0 to 2^53 - 1, got {length}"
      ));
    }
    // A whole number within 2^53 converts exactly.
    let length = length as usize;
    let remaining = total - start;
    if length > remaining {
      return Err(format!(
        "lengths[{index}] = {length} runs past the end of the data: \
         the range starts at byte {start} of {total}"
      ));
    }
    let end = start + length;
    ranges.push(start..end);
    start = end;
  }
  Ok(ranges)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
  }

  #[test]
  fn known_vectors() {
    assert_eq!(
      hex(&digest(Algorithm::Blake3, b"abc", false)),
      "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    );
    assert_eq!(
      hex(&digest(Algorithm::Sha256, b"abc", false)),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
  }

  #[test]
  fn threaded_blake3_equals_serial() {
    let data: Vec<u8> = (0..3 * BLAKE3_PARALLEL_MIN + 7)
      .map(|i| (i * 31 % 251) as u8)
      .collect();
    assert_eq!(
      digest(Algorithm::Blake3, &data, true),
      digest(Algorithm::Blake3, &data, false)
    );
  }

  #[test]
  fn ranges_are_consecutive_and_bounded() {
    assert_eq!(
      consecutive_ranges(10, &[3.0, 0.0, 7.0]).unwrap(),
      vec![0..3, 3..3, 3..10]
    );
    assert_eq!(consecutive_ranges(10, &[4.0]).unwrap(), vec![0..4]);
    assert!(consecutive_ranges(10, &[4.0, 7.0])
      .unwrap_err()
      .contains("lengths[1]"));
    assert!(consecutive_ranges(10, &[-1.0]).is_err());
    assert!(consecutive_ranges(10, &[1.5]).is_err());
    assert!(consecutive_ranges(10, &[f64::NAN]).is_err());
    assert!(consecutive_ranges(10, &[f64::INFINITY]).is_err());
    assert!(consecutive_ranges(usize::MAX, &[1e300]).is_err());
  }
}
