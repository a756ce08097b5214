//! The decode+verify export: a batch of chunks cut from one buffer of stored blob bytes (what
//! one Range request brought) is decoded and digested on the rayon pool, off the JavaScript
//! thread and off libuv's threadpool, in one crossing. Bad chunks do not reject the promise: each
//! gets a status, so one corrupt chunk does not cost the good ones next to it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{Buffer, Object};
use napi::{Env, Status};
use napi_derive::napi;

use crate::chunks::{decode_verify_all, parse_layout};
use crate::digests::{panic_message, parse_algorithm};
use crate::errors::{from_napi, out_of_range, throw};

/// What a batch gives back to JavaScript.
#[napi(object)]
pub struct DecodeVerifyResult {
  /// The decoded chunks back to back (chunk i at the sum of the sizes before it).
  pub data: Buffer,
  /// Per chunk: 0 verified, 1 digest mismatch, 2 frame does not decode, 3 wrong size.
  pub status: Vec<u32>,
  /// Per chunk, the 32-byte digest of its decoded bytes (zeros when it did not decode).
  pub digests: Buffer,
}

type Resolver = Box<dyn FnOnce(Env) -> napi::Result<DecodeVerifyResult> + Send>;

/// Decodes (zstd frame or raw bytes, by flags) and verifies a batch of chunks cut from `stored`.
/// `layout` has four numbers per chunk: offset in `stored`, stored size, uncompressed size,
/// flags; `digests` the expected digests back to back. Outputs are sized from the layout, never
/// from a frame. `stored` must not change until the promise settles.
#[napi(
  ts_args_type = "algorithm: 'blake3' | 'sha256', stored: Buffer, layout: number[], digests: Buffer",
  ts_return_type = "Promise<{ data: Buffer; status: number[]; digests: Buffer }>"
)]
pub fn decode_verify_batch<'env>(
  env: &'env Env,
  algorithm: String,
  stored: Buffer,
  layout: Vec<f64>,
  digests: Buffer,
) -> napi::Result<Object<'env>> {
  let start = || {
    let algorithm = parse_algorithm(&algorithm)?;
    let specs = parse_layout(stored.len(), &layout, digests.len()).map_err(out_of_range)?;
    let (deferred, promise) = env.create_deferred::<DecodeVerifyResult, Resolver>().map_err(from_napi)?;
    rayon::spawn(move || {
      let outcome = catch_unwind(AssertUnwindSafe(|| decode_verify_all(algorithm, &stored, &specs, &digests)));
      deferred.resolve(Box::new(move |_env| {
        // Dropped here, on the JavaScript thread: releases the references to the inputs.
        drop(stored);
        drop(digests);
        match outcome {
          Ok(decoded) => Ok(DecodeVerifyResult {
            data: decoded.data.into(),
            status: decoded.status,
            digests: decoded.digests.into(),
          }),
          Err(payload) => Err(napi::Error::new(
            Status::GenericFailure,
            format!("chunk decoding failed: {}", panic_message(payload.as_ref())),
          )),
        }
      }));
    });
    Ok(promise)
  };
  start().map_err(|err| throw(env, err))
}
