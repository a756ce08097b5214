//! The tar framer export (tarframe.rs) for the converter: called synchronously on the JavaScript
//! thread with large pieces of a layer's tar stream. Each call copies what it needs (file data
//! into the batch, headers into the event list) before it returns, so the caller may reuse the
//! piece at once.

use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;

use crate::chunks::MAX_CHUNK_SIZE;
use crate::errors::{invalid_arg, throw};
use crate::tarframe::{FrameError, Framer};

/// The JS error of a framing failure: code EBADTAR, the message the entry reader would give.
fn frame_error(err: FrameError) -> napi::Error<String> {
  napi::Error::new("EBADTAR".to_owned(), err.message())
}

#[napi(object)]
pub struct FramedPiece {
  /// Bytes of the piece used; less than its length when the batch is full.
  pub consumed: u32,
  /// Whether the next chunk does not fit the batch: hand over a new one with `newBatch`.
  pub batch_full: bool,
  /// Events since the last call (tarframe.rs's EVENT_* records).
  pub events: Buffer,
}

#[napi]
pub struct TarFramer {
  framer: Framer,
}

#[napi]
impl TarFramer {
  #[napi(constructor)]
  pub fn new(env: &Env, chunk_size: u32) -> napi::Result<Self> {
    if chunk_size == 0 || chunk_size as usize > MAX_CHUNK_SIZE {
      return Err(throw(env, invalid_arg(format!("chunk size {chunk_size} is not in 1..={MAX_CHUNK_SIZE}"))));
    }
    Ok(TarFramer { framer: Framer::new(chunk_size as usize) })
  }

  /// Frames `piece`, copying regular files' chunks into `batch` after the ones already there.
  #[napi(catch_unwind)]
  pub fn push(&mut self, env: &Env, piece: &[u8], mut batch: Buffer) -> napi::Result<FramedPiece> {
    let pushed = self.framer.push(piece, batch.as_mut()).map_err(|e| throw(env, frame_error(e)))?;
    let events = std::mem::take(&mut self.framer.events);
    Ok(FramedPiece { consumed: pushed.consumed as u32, batch_full: pushed.batch_full, events: events.into() })
  }

  /// The next chunks go to the start of a new batch buffer.
  #[napi]
  pub fn new_batch(&mut self) {
    self.framer.fill = 0;
  }

  /// Throws (EBADTAR) unless the stream ended between two entries.
  #[napi]
  pub fn finish(&self, env: &Env) -> napi::Result<()> {
    self.framer.finish().map_err(|e| throw(env, frame_error(e)))
  }
}
