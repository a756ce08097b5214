//! Tar framing for the converter: finds where each header, extension record and file's data lies
//! in a layer's byte stream and copies regular files' data, cut into chunks, into the caller's
//! batch buffer. It decides only what the framing needs (block boundaries, the checksum, the
//! type flag, the data length with a PAX `size` applied); what an entry means (names, modes,
//! PAX records, link targets) is decided by the JavaScript entry reader (src/layer/tar-reader.ts)
//! from the header blocks handed over here, which also checks that its reading of each data
//! length is the one framed here. So a disagreement is an error, never a misparse.
//!
//! Pure, synchronous and bounded: every call consumes input and emits events into a byte list;
//! an extension record is held at most MAX_EXTENSION bytes, file data is never held (it goes
//! straight into the batch), and a header block is at most 512 bytes.

pub const BLOCK: usize = 512;
/// Longest GNU long name or PAX header framed (tar-reader.ts's MAX_LONG_HEADER).
pub const MAX_EXTENSION: u64 = 4 * 1024 * 1024;
/// The largest data length framed: JavaScript's largest exact integer.
const MAX_SAFE_SIZE: i128 = (1 << 53) - 1;

/// Event tags in the event list (each followed by its fields, little-endian).
pub const EVENT_HEADER: u8 = 1; // 512 header bytes, u64 data length, u8 1 when the data is chunked
pub const EVENT_EXTENSION: u8 = 2; // u32 length, the extension record's bytes
pub const EVENT_CHUNK: u8 = 3; // u32 offset in the batch, u32 length, u8 1 when all zero

#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
  Corrupt(String),
  Truncated,
}

impl FrameError {
  pub fn message(&self) -> String {
    match self {
      FrameError::Corrupt(m) => m.clone(),
      FrameError::Truncated => "tar stream is truncated (unexpected end of data)".to_owned(),
    }
  }
}

const CORRUPT_HEADER: &str =
  "tar stream is corrupt (Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?)";

enum State {
  /// Gathering a header block (`have` bytes so far, in `header`).
  Header { have: usize },
  /// Gathering an extension record's bytes, then its padding.
  Extension { flag: u8, size: usize, data: Vec<u8>, padding: usize },
  /// A regular file's data: `remaining` bytes, cut into chunks.
  Chunked { remaining: u64, padding: usize },
  /// Data that is skipped (a hard link's, say), then its padding.
  Skip { remaining: u64 },
  /// After an error: nothing more is framed.
  Failed,
}

pub struct Framer {
  chunk_size: usize,
  state: State,
  header: [u8; BLOCK],
  /// PAX sizes seen: the global one and the one of the pending local header.
  global_size: Option<u64>,
  local_size: Option<u64>,
  /// Bytes of the chunk being cut (in the batch, from `chunk_start`).
  chunk_have: usize,
  chunk_start: usize,
  /// Bytes of the batch used so far.
  pub fill: usize,
  pub events: Vec<u8>,
}

pub struct Pushed {
  /// Bytes of the input used; less than its length when the batch is full.
  pub consumed: usize,
  pub batch_full: bool,
}

impl Framer {
  pub fn new(chunk_size: usize) -> Self {
    Framer {
      chunk_size,
      state: State::Header { have: 0 },
      header: [0; BLOCK],
      global_size: None,
      local_size: None,
      chunk_have: 0,
      chunk_start: 0,
      fill: 0,
      events: Vec::new(),
    }
  }

  /// Frames as much of `input` as fits; file data goes into `batch` from `self.fill`. Stops when
  /// the next chunk does not fit the batch (the caller hands over a new one, `fill` reset to 0).
  pub fn push(&mut self, input: &[u8], batch: &mut [u8]) -> Result<Pushed, FrameError> {
    let mut pos = 0;
    while pos < input.len() {
      match &mut self.state {
        State::Failed => return Err(FrameError::Corrupt("tar stream is corrupt (an earlier error)".to_owned())),
        State::Header { have } => {
          let take = (BLOCK - *have).min(input.len() - pos);
          self.header[*have..*have + take].copy_from_slice(&input[pos..pos + take]);
          *have += take;
          pos += take;
          if *have == BLOCK {
            if let Err(e) = self.header_done() {
              self.state = State::Failed;
              return Err(e);
            }
          }
        }
        State::Extension { data, size, padding, .. } => {
          if data.len() < *size {
            let take = (*size - data.len()).min(input.len() - pos);
            data.extend_from_slice(&input[pos..pos + take]);
            pos += take;
          } else {
            let take = (*padding).min(input.len() - pos);
            *padding -= take;
            pos += take;
          }
          if let State::Extension { data, size, padding, .. } = &self.state {
            if data.len() == *size && *padding == 0 {
              if let Err(e) = self.extension_done() {
                self.state = State::Failed;
                return Err(e);
              }
            }
          }
        }
        State::Skip { remaining } => {
          let take = (*remaining).min((input.len() - pos) as u64);
          *remaining -= take;
          pos += take as usize;
          if *remaining == 0 {
            self.state = State::Header { have: 0 };
          }
        }
        State::Chunked { remaining, padding } => {
          if *remaining == 0 {
            let take = (*padding).min(input.len() - pos);
            *padding -= take;
            pos += take;
            if *padding == 0 {
              self.state = State::Header { have: 0 };
            }
            continue;
          }
          // Bytes of the chunk being cut: the chunk size, or what is left of the file.
          let chunk_len = (self.chunk_have as u64 + *remaining).min(self.chunk_size as u64) as usize;
          if self.chunk_have == 0 {
            if self.fill + chunk_len > batch.len() {
              return Ok(Pushed { consumed: pos, batch_full: true });
            }
            self.chunk_start = self.fill;
            self.fill += chunk_len;
          }
          let take = (chunk_len - self.chunk_have).min(input.len() - pos);
          let at = self.chunk_start + self.chunk_have;
          batch[at..at + take].copy_from_slice(&input[pos..pos + take]);
          self.chunk_have += take;
          *remaining -= take as u64;
          pos += take;
          if self.chunk_have == chunk_len {
            let chunk = &batch[self.chunk_start..self.chunk_start + chunk_len];
            let zero = chunk.iter().all(|&b| b == 0);
            self.events.push(EVENT_CHUNK);
            self.events.extend_from_slice(&(self.chunk_start as u32).to_le_bytes());
            self.events.extend_from_slice(&(chunk_len as u32).to_le_bytes());
            self.events.push(u8::from(zero));
            self.chunk_have = 0;
          }
          if let State::Chunked { remaining: 0, padding: 0 } = self.state {
            self.state = State::Header { have: 0 };
          }
        }
      }
    }
    Ok(Pushed { consumed: pos, batch_full: false })
  }

  /// At the end of the stream: an error unless it ended between two entries.
  pub fn finish(&self) -> Result<(), FrameError> {
    match &self.state {
      State::Header { have: 0 } => Ok(()),
      State::Chunked { remaining: 0, padding: 0 } | State::Skip { remaining: 0 } => Ok(()),
      State::Failed => Err(FrameError::Corrupt("tar stream is corrupt (an earlier error)".to_owned())),
      _ => Err(FrameError::Truncated),
    }
  }

  fn header_done(&mut self) -> Result<(), FrameError> {
    let block = &self.header;
    let mut sum: u64 = 8 * 0x20;
    let mut rest: u64 = 0;
    for (i, &b) in block.iter().enumerate() {
      if !(148..156).contains(&i) {
        rest += u64::from(b);
      }
    }
    sum += rest;
    if rest == 0 {
      // An all-zero block (end-of-archive marker or padding): no entry.
      self.state = State::Header { have: 0 };
      return Ok(());
    }
    if Some(sum as i128) != lenient_number(block, 148, 8) {
      return Err(FrameError::Corrupt(CORRUPT_HEADER.to_owned()));
    }
    let flag = block[156];
    let header_size = lenient_number(block, 124, 12);
    match flag {
      b'x' | b'g' | b'L' | b'K' | b'N' => {
        let size = match header_size {
          Some(s) if s > i128::from(MAX_EXTENSION) => {
            return Err(FrameError::Corrupt("tar stream is corrupt (Header exceeds max size)".to_owned()))
          }
          Some(s) if s >= 0 => s as usize,
          _ => return Err(FrameError::Corrupt(CORRUPT_HEADER.to_owned())),
        };
        self.emit_header(size as u64, false);
        self.state = State::Extension { flag, size, data: Vec::with_capacity(size), padding: padding(size as u64) };
        if size == 0 {
          self.extension_done()?;
        }
        Ok(())
      }
      _ => {
        let pax_size = self.local_size.take();
        let size = match pax_size.map(i128::from).or(header_size) {
          // The entry reader takes no size above 2^53 - 1 either; this also keeps the sums below from overflowing.
          Some(s) if (0..=MAX_SAFE_SIZE).contains(&s) => s as u64,
          _ => return Err(FrameError::Corrupt("tar stream is corrupt (Invalid header)".to_owned())),
        };
        let typeflag = if flag == 0 { 0 } else { flag.wrapping_sub(b'0') };
        let directory = typeflag == 5 || (typeflag == 0 && name_ends_in_slash(block));
        let data = if directory { 0 } else { size };
        let chunked = (typeflag == 0 || typeflag == 7) && !directory;
        self.emit_header(data, chunked);
        self.state = if chunked {
          State::Chunked { remaining: data, padding: padding(data) }
        } else {
          State::Skip { remaining: data + padding(data) as u64 }
        };
        if let State::Chunked { remaining: 0, padding: 0 } | State::Skip { remaining: 0 } = self.state {
          self.state = State::Header { have: 0 };
        }
        Ok(())
      }
    }
  }

  fn emit_header(&mut self, data: u64, chunked: bool) {
    self.events.push(EVENT_HEADER);
    self.events.extend_from_slice(&self.header);
    self.events.extend_from_slice(&data.to_le_bytes());
    self.events.push(u8::from(chunked));
  }

  fn extension_done(&mut self) -> Result<(), FrameError> {
    let State::Extension { flag, data, .. } = std::mem::replace(&mut self.state, State::Header { have: 0 }) else {
      return Ok(());
    };
    match flag {
      b'g' => {
        if let Some(size) = pax_size(&data)? {
          self.global_size = Some(size);
        }
      }
      b'x' => self.local_size = pax_size(&data)?.or(self.global_size),
      _ => {}
    }
    self.events.push(EVENT_EXTENSION);
    self.events.extend_from_slice(&(data.len() as u32).to_le_bytes());
    self.events.extend_from_slice(&data);
    Ok(())
  }
}

fn padding(size: u64) -> usize {
  let rest = (size % BLOCK as u64) as usize;
  if rest == 0 {
    0
  } else {
    BLOCK - rest
  }
}

/// Whether the header's name (ustar prefix joined) ends in `/`: an old-style directory.
fn name_ends_in_slash(block: &[u8; BLOCK]) -> bool {
  let name_len = block[..100].iter().position(|&b| b == 0).unwrap_or(100);
  if name_len > 0 {
    return block[name_len - 1] == b'/';
  }
  // An empty name after a ustar prefix reads as "prefix/".
  block[257..263] == *b"ustar\0" && block[345] != 0
}

/// A numeric header field read the way tar-header.ts's lenientNumber reads it: base-256 after a
/// 0x80/0xff marker (0 for another marker byte), else octal digits after leading spaces and NULs,
/// up to a space; None where that reading gives NaN.
fn lenient_number(block: &[u8], offset: usize, length: usize) -> Option<i128> {
  let field = &block[offset..offset + length];
  let first = field[0];
  if first & 0x80 != 0 {
    if first != 0x80 && first != 0xff {
      return Some(0);
    }
    let positive = first == 0x80;
    let mut value: i128 = 0;
    for &b in &field[1..] {
      value = value * 256 + i128::from(if positive { b } else { 0xff - b });
    }
    return Some(if positive { value } else { -value });
  }
  let mut start = 0;
  while start < length && field[start] == 0x20 {
    start += 1;
  }
  let mut end = start;
  while end < length && field[end] != 0x20 {
    end += 1;
  }
  while start < end && field[start] == 0 {
    start += 1;
  }
  if start == end {
    return Some(0);
  }
  // parseInt(text, 8): optional sign, then octal digits up to the first other character.
  let text = &field[start..end];
  let (negative, digits) = match text[0] {
    b'-' => (true, &text[1..]),
    b'+' => (false, &text[1..]),
    _ => (false, text),
  };
  let count = digits.iter().take_while(|b| (b'0'..=b'7').contains(b)).count();
  if count == 0 {
    return None;
  }
  let mut value: i128 = 0;
  for &d in &digits[..count] {
    value = value * 8 + i128::from(d - b'0');
  }
  Some(if negative { -value } else { value })
}

/// The `size` record of a PAX header (the last one), strictly decimal; errors for a malformed
/// record list as the entry reader's PAX decoder would raise them.
fn pax_size(data: &[u8]) -> Result<Option<u64>, FrameError> {
  let bad = |what: &str| FrameError::Corrupt(format!("malformed PAX header: {what}"));
  let mut pos = 0;
  let mut size = None;
  while pos < data.len() {
    if data[pos] == 0 {
      break;
    }
    let space = data[pos..].iter().position(|&b| b == b' ').map(|i| pos + i);
    let space = match space {
      Some(s) if s - pos <= 20 => s,
      _ => return Err(bad("record without a length")),
    };
    let digits = &data[pos..space];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
      return Err(bad("bad record length"));
    }
    let length: usize = std::str::from_utf8(digits).ok().and_then(|t| t.parse().ok()).ok_or_else(|| bad("bad record length"))?;
    let end = pos.checked_add(length).ok_or_else(|| bad("record length runs past the header"))?;
    if length <= space - pos + 1 || end > data.len() || data[end - 1] != b'\n' {
      return Err(bad("record length runs past the header"));
    }
    let record = &data[space + 1..end - 1];
    if let Some(value) = record.strip_prefix(b"size=") {
      if value.is_empty() || value.len() > 15 || !value.iter().all(u8::is_ascii_digit) {
        return Err(FrameError::Corrupt(format!(
          "PAX size \"{}\" is not a whole number of bytes",
          String::from_utf8_lossy(value)
        )));
      }
      size = Some(std::str::from_utf8(value).unwrap_or("0").parse::<u64>().unwrap_or(0));
    }
    pos = end;
  }
  Ok(size)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn header(name: &str, flag: u8, size: u64) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    b[..name.len()].copy_from_slice(name.as_bytes());
    b[100..107].copy_from_slice(b"0000644");
    b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    b[156] = flag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b[148..156].copy_from_slice(b"        ");
    let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
    b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    b
  }

  #[test]
  fn cuts_a_file_into_chunks_across_pushes_and_batches() {
    let mut tar = header("a", b'0', 10).to_vec();
    tar.extend_from_slice(b"0123456789");
    tar.resize(1024, 0);
    tar.extend_from_slice(&[0u8; 1024]);
    let mut framer = Framer::new(4);
    let mut batch = vec![0u8; 8];
    let mut input = &tar[..];
    let mut cut = Vec::new();
    while !input.is_empty() {
      let step = input.len().min(100);
      let pushed = framer.push(&input[..step], &mut batch).unwrap();
      input = &input[pushed.consumed..];
      if pushed.batch_full {
        cut.extend_from_slice(&batch[..framer.fill]);
        framer.fill = 0;
      }
    }
    cut.extend_from_slice(&batch[..framer.fill]);
    assert_eq!(cut, b"0123456789");
    framer.finish().unwrap();
  }

  #[test]
  fn refuses_a_bad_checksum_and_an_oversized_extension() {
    let mut block = header("a", b'0', 0);
    block[0] = b'b';
    let mut framer = Framer::new(4);
    assert_eq!(framer.push(&block, &mut [0u8; 8]).err(), Some(FrameError::Corrupt(CORRUPT_HEADER.to_owned())));
    let block = header("pax", b'x', MAX_EXTENSION + 1);
    let mut framer = Framer::new(4);
    assert!(matches!(framer.push(&block, &mut [0u8; 8]), Err(FrameError::Corrupt(m)) if m.contains("max size")));
  }

  #[test]
  fn refuses_a_size_above_two_to_the_53() {
    let mut block = header("huge", b'0', 0);
    // Base-256: 0x80 then 11 bytes, here 2^64 + 1 (past u64 as well).
    block[124] = 0x80;
    block[125..136].copy_from_slice(&[0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    block[148..156].copy_from_slice(b"        ");
    let sum: u32 = block.iter().map(|&x| u32::from(x)).sum();
    block[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut framer = Framer::new(4);
    assert!(matches!(framer.push(&block, &mut [0u8; 8]), Err(FrameError::Corrupt(m)) if m.contains("Invalid header")));
  }

  #[test]
  fn reports_a_stream_cut_in_a_file() {
    let mut tar = header("a", b'0', 10).to_vec();
    tar.extend_from_slice(b"01234");
    let mut framer = Framer::new(4);
    framer.push(&tar, &mut [0u8; 16]).unwrap();
    assert_eq!(framer.finish(), Err(FrameError::Truncated));
  }

  #[test]
  fn applies_a_pax_size() {
    let record = b"12 size=600\n";
    let mut tar = header("PaxHeader", b'x', record.len() as u64).to_vec();
    tar.extend_from_slice(record);
    tar.resize(1024, 0);
    tar.extend_from_slice(&header("big", b'0', 0));
    tar.extend_from_slice(&[7u8; 600]);
    tar.resize(1024 + 512 + 1024, 0);
    let mut framer = Framer::new(1024);
    let mut batch = vec![0u8; 1024];
    let pushed = framer.push(&tar, &mut batch).unwrap();
    assert_eq!(pushed.consumed, tar.len());
    assert_eq!(framer.fill, 600);
    framer.finish().unwrap();
  }
}
