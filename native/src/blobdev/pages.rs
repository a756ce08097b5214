//! Which pages of a blob device are answered from its cache file: one bit per 4 KiB page, set and
//! read from any thread without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

use super::protocol::PAGE;

pub struct PageBitmap {
  pages: u64,
  words: Vec<AtomicU64>,
}

impl PageBitmap {
  /// All clear, for a file of `size` bytes.
  pub fn new(size: u64) -> Self {
    let pages = size.div_ceil(PAGE);
    let words = pages.div_ceil(64) as usize;
    PageBitmap { pages, words: (0..words).map(|_| AtomicU64::new(0)).collect() }
  }

  /// Sets or clears the bits of pages [first, end); pages past the file are ignored.
  pub fn set(&self, first: u64, end: u64, on: bool) {
    for (word, mask) in page_masks(first, end.min(self.pages)) {
      if let Some(w) = self.words.get(word) {
        if on {
          w.fetch_or(mask, Ordering::Release);
        } else {
          w.fetch_and(!mask, Ordering::Release);
        }
      }
    }
  }

  /// True when every page of bytes [offset, end) is set.
  pub fn all_set(&self, offset: u64, end: u64) -> bool {
    if end <= offset {
      return true;
    }
    page_masks(offset / PAGE, (end - 1) / PAGE + 1)
      .all(|(word, mask)| self.words.get(word).is_some_and(|w| w.load(Ordering::Acquire) & mask == mask))
  }
}

/// The bitmap words and bits of pages [first, end), one word at a time.
pub fn page_masks(first: u64, end: u64) -> impl Iterator<Item = (usize, u64)> {
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

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn masks_split_at_word_boundaries() {
    assert_eq!(page_masks(0, 0).count(), 0);
    assert_eq!(page_masks(5, 5).count(), 0);
    assert_eq!(page_masks(7, 3).count(), 0);
    assert_eq!(page_masks(0, 1).collect::<Vec<_>>(), [(0, 1)]);
    assert_eq!(page_masks(0, 64).collect::<Vec<_>>(), [(0, u64::MAX)]);
    assert_eq!(page_masks(63, 64).collect::<Vec<_>>(), [(0, 1 << 63)]);
    assert_eq!(page_masks(60, 70).collect::<Vec<_>>(), [(0, 0xf << 60), (1, 0x3f)]);
    assert_eq!(page_masks(64, 192).collect::<Vec<_>>(), [(1, u64::MAX), (2, u64::MAX)]);
    assert_eq!(page_masks(3, 134).collect::<Vec<_>>(), [(0, u64::MAX << 3), (1, u64::MAX), (2, 0x3f)]);
  }

  #[test]
  fn masks_cover_every_page_once() {
    for first in 0..140u64 {
      for end in first..200u64 {
        let mut seen = 0u32;
        for (word, mask) in page_masks(first, end) {
          for bit in 0..64 {
            if mask & (1 << bit) != 0 {
              let page = word as u64 * 64 + bit;
              assert!(page >= first && page < end, "[{first}, {end}): page {page}");
              seen += 1;
            }
          }
        }
        assert_eq!(seen as u64, end - first, "[{first}, {end})");
      }
    }
  }

  #[test]
  fn bytes_are_marked_by_whole_pages() {
    // 70 pages and a bit: 71 pages, two words.
    let map = PageBitmap::new(70 * PAGE + 1);
    assert!(!map.all_set(0, 1));
    assert!(map.all_set(100, 100), "an empty range is always set");
    map.set(1, 3, true);
    assert!(map.all_set(PAGE, 3 * PAGE));
    assert!(map.all_set(PAGE + 10, 2 * PAGE + 1));
    assert!(!map.all_set(PAGE - 1, 2 * PAGE), "the byte before is in page 0");
    assert!(!map.all_set(PAGE, 3 * PAGE + 1), "the byte after is in page 3");
    // Across the word boundary, up to the last (partial) page.
    map.set(60, 71, true);
    assert!(map.all_set(60 * PAGE, 70 * PAGE + 1));
    map.set(64, 65, false);
    assert!(!map.all_set(60 * PAGE, 70 * PAGE + 1));
    assert!(map.all_set(65 * PAGE, 70 * PAGE + 1));
    assert!(map.all_set(60 * PAGE, 64 * PAGE));
  }

  #[test]
  fn pages_past_the_file_are_never_set() {
    let map = PageBitmap::new(2 * PAGE);
    map.set(0, 1000, true);
    assert!(map.all_set(0, 2 * PAGE));
    assert!(!map.all_set(0, 2 * PAGE + 1), "page 2 is past the file");
    assert!(!map.all_set(u64::MAX - 5, u64::MAX), "no word that far");
    let empty = PageBitmap::new(0);
    empty.set(0, 10, true);
    assert!(!empty.all_set(0, 1));
  }
}
