//! The digest exports. Batch digests run on the rayon pool, never on the JavaScript thread and
//! never on libuv's threadpool either: libuv's four threads serve fs, dns and zlib for the whole
//! process, and a batch occupying one for a few hundred milliseconds would stall the FUSE
//! daemon's file I/O. Each batch settles a promise through a threadsafe function (napi's
//! deferred), and its input Buffers are released on the JavaScript thread when it settles.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::{Buffer, BufferSlice, Object, ToNapiValue};
use napi::{check_status, sys, Env, Status};
use napi_derive::napi;

use crate::digest::{consecutive_ranges, digest, digest_all, Algorithm, Digest32, DIGEST_LEN};
use crate::errors::{from_napi, invalid_arg, out_of_range, throw, JsResult};

pub(crate) fn parse_algorithm(name: &str) -> JsResult<Algorithm> {
  Algorithm::parse(name).ok_or_else(|| {
    invalid_arg(format!(
      "unknown digest algorithm '{name}' (expected 'blake3' or 'sha256')"
    ))
  })
}

/// Digests handed to JavaScript: an array of 32-byte Buffers. Each is a copy made by
/// `napi_create_buffer_copy`, which needs no finalizer per digest (a batch can hold thousands).
struct DigestList(Vec<Digest32>);

impl ToNapiValue for DigestList {
  unsafe fn to_napi_value(env: sys::napi_env, list: Self) -> napi::Result<sys::napi_value> {
    let mut array = ptr::null_mut();
    check_status!(
      unsafe { sys::napi_create_array_with_length(env, list.0.len(), &mut array) },
      "Failed to create the digest array"
    )?;
    for (index, digest) in list.0.into_iter().enumerate() {
      let buffer = unsafe { DigestBuffer::to_napi_value(env, DigestBuffer(digest))? };
      let index =
        u32::try_from(index).map_err(|_| napi::Error::new(Status::InvalidArg, "too many digests"))?;
      check_status!(
        unsafe { sys::napi_set_element(env, array, index, buffer) },
        "Failed to store a digest"
      )?;
    }
    Ok(array)
  }
}

/// One digest handed to JavaScript as a 32-byte Buffer copy (cheaper than an external Buffer,
/// which needs a finalizer).
pub struct DigestBuffer(Digest32);

impl ToNapiValue for DigestBuffer {
  unsafe fn to_napi_value(env: sys::napi_env, digest: Self) -> napi::Result<sys::napi_value> {
    let mut buffer = ptr::null_mut();
    check_status!(
      unsafe {
        sys::napi_create_buffer_copy(
          env,
          DIGEST_LEN,
          digest.0.as_ptr().cast(),
          ptr::null_mut(),
          &mut buffer,
        )
      },
      "Failed to create a digest Buffer"
    )?;
    Ok(buffer)
  }
}

type Resolver = Box<dyn FnOnce(Env) -> napi::Result<DigestList> + Send>;

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
  if let Some(text) = payload.downcast_ref::<&str>() {
    (*text).to_owned()
  } else if let Some(text) = payload.downcast_ref::<String>() {
    text.clone()
  } else {
    "unknown panic".to_owned()
  }
}

/// Runs `work(&inputs)` on the rayon pool and returns a promise of its digests. `inputs` (the
/// Buffers, which hold references to their JS objects) lives until the promise settles, so the
/// bytes stay valid while they are read. A panic becomes a rejection, never an abort.
fn spawn_digests<'env, I, F>(env: &'env Env, inputs: I, work: F) -> JsResult<Object<'env>>
where
  I: Send + 'static,
  F: FnOnce(&I) -> Vec<Digest32> + Send + 'static,
{
  let (deferred, promise) = env.create_deferred::<DigestList, Resolver>().map_err(from_napi)?;
  rayon::spawn(move || {
    let outcome = catch_unwind(AssertUnwindSafe(|| work(&inputs)));
    deferred.resolve(Box::new(move |_env| {
      // Dropped here, on the JavaScript thread: releases the references to the input Buffers.
      drop(inputs);
      match outcome {
        Ok(digests) => Ok(DigestList(digests)),
        Err(payload) => Err(napi::Error::new(
          Status::GenericFailure,
          format!("digest computation failed: {}", panic_message(payload.as_ref())),
        )),
      }
    }));
  });
  Ok(promise)
}

/// Digests (32 bytes each) of many chunks in one call, computed in parallel off the JS thread.
/// The chunks must not be modified until the promise settles.
#[napi(
  ts_args_type = "algorithm: 'blake3' | 'sha256', chunks: Buffer[]",
  ts_return_type = "Promise<Buffer[]>"
)]
pub fn digest_batch<'env>(
  env: &'env Env,
  algorithm: String,
  chunks: Vec<Buffer>,
) -> napi::Result<Object<'env>> {
  parse_algorithm(&algorithm)
    .and_then(|algorithm| spawn_digests(env, chunks, move |chunks| digest_all(algorithm, chunks)))
    .map_err(|err| throw(env, err))
}

/// Digests of consecutive slices of `data`: slice i is `lengths[i]` bytes long and starts where
/// slice i - 1 ended. The lengths may sum to less than `data.length` (the rest is ignored), never
/// more. One Buffer crosses the boundary however many slices there are.
#[napi(
  ts_args_type = "algorithm: 'blake3' | 'sha256', data: Buffer, lengths: number[]",
  ts_return_type = "Promise<Buffer[]>"
)]
pub fn digest_ranges<'env>(
  env: &'env Env,
  algorithm: String,
  data: Buffer,
  lengths: Vec<f64>,
) -> napi::Result<Object<'env>> {
  let start = || {
    let algorithm = parse_algorithm(&algorithm)?;
    let ranges = consecutive_ranges(data.len(), &lengths).map_err(out_of_range)?;
    spawn_digests(env, data, move |data| {
      let slices: Vec<&[u8]> = ranges.iter().map(|range| &data[range.clone()]).collect();
      digest_all(algorithm, &slices)
    })
  };
  start().map_err(|err| throw(env, err))
}

/// The digest of `data`, on the calling (JavaScript) thread: for small inputs only.
#[napi(
  catch_unwind,
  ts_args_type = "algorithm: 'blake3' | 'sha256', data: Buffer",
  ts_return_type = "Buffer"
)]
pub fn digest_sync(env: &Env, algorithm: String, data: BufferSlice) -> napi::Result<DigestBuffer> {
  let algorithm = parse_algorithm(&algorithm).map_err(|err| throw(env, err))?;
  Ok(DigestBuffer(digest(algorithm, &data, false)))
}
