use super::*;

/// A request as the kernel writes it: struct fuse_in_header (len = 40 + body + extensions)
/// followed by `body` and `extensions` bytes of request extensions.
fn request(opcode: u32, unique: u64, nodeid: u64, body: &[u8], extensions: usize) -> Vec<u8> {
  let mut r = Vec::new();
  r.extend_from_slice(&((IN_HEADER + body.len() + extensions) as u32).to_ne_bytes());
  r.extend_from_slice(&opcode.to_ne_bytes());
  r.extend_from_slice(&unique.to_ne_bytes());
  r.extend_from_slice(&nodeid.to_ne_bytes());
  r.extend_from_slice(&0u32.to_ne_bytes()); // uid
  r.extend_from_slice(&0u32.to_ne_bytes()); // gid
  r.extend_from_slice(&0u32.to_ne_bytes()); // pid
  r.extend_from_slice(&((extensions / 8) as u16).to_ne_bytes()); // total_extlen
  r.extend_from_slice(&0u16.to_ne_bytes()); // padding
  r.extend_from_slice(body);
  r.resize(r.len() + extensions, 0xee);
  r
}

fn set_len(r: &mut [u8], len: u32) {
  r[0..4].copy_from_slice(&len.to_ne_bytes());
}

fn u32s(b: &[u8]) -> Vec<u32> {
  b.chunks_exact(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap())).collect()
}

fn u64s(b: &[u8]) -> Vec<u64> {
  b.chunks_exact(8).map(|c| u64::from_ne_bytes(c.try_into().unwrap())).collect()
}

#[test]
fn a_request_decodes_to_its_header_and_body() {
  let r = request(LOOKUP, 77, ROOT_ID, b"12\0", 0);
  assert_eq!(decode(&r), Ok(Request { opcode: LOOKUP, unique: 77, nodeid: ROOT_ID, body: b"12\0" }));
  let empty = request(GETATTR, 5, 3, &[], 0);
  assert_eq!(decode(&empty), Ok(Request { opcode: GETATTR, unique: 5, nodeid: 3, body: &[] }));
}

#[test]
fn extensions_are_not_part_of_the_body() {
  let r = request(OPEN, 9, 2, &[1, 2, 3, 4, 5, 6, 7, 8], 16);
  assert_eq!(decode(&r).unwrap().body, [1, 2, 3, 4, 5, 6, 7, 8]);
  // Extensions claiming more than the body leave an empty body, never a slice before it.
  let mut r = request(OPEN, 9, 2, &[1, 2, 3, 4], 0);
  r[36..38].copy_from_slice(&100u16.to_ne_bytes());
  assert_eq!(decode(&r).unwrap().body, [] as [u8; 0]);
}

#[test]
fn the_body_ends_at_the_shorter_of_len_and_the_bytes_read() {
  let mut r = request(READ, 1, 2, &[7; 40], 0);
  set_len(&mut r, 60);
  assert_eq!(decode(&r).unwrap().body, [7; 20], "len shorter than the read");
  set_len(&mut r, 1 << 30);
  assert_eq!(decode(&r).unwrap().body, [7; 40], "len past the read");
  set_len(&mut r, 3);
  assert_eq!(decode(&r).unwrap().body, [] as [u8; 0], "len shorter than the header");
}

#[test]
fn a_short_request_is_dropped_or_refused() {
  let r = request(GETATTR, 42, 2, &[], 0);
  for n in 0..24 {
    assert_eq!(decode(&r[..n]), Err(Malformed::NoHeader), "{n} bytes");
  }
  // unique and nodeid are there, the rest of the header is not: answer EINVAL.
  for n in 24..IN_HEADER {
    assert_eq!(decode(&r[..n]), Err(Malformed::Truncated { unique: 42 }), "{n} bytes");
  }
  assert!(decode(&r[..IN_HEADER]).is_ok());
}

#[test]
fn the_out_header_carries_length_error_and_unique() {
  let h = out_header(16 + 5, -libc::ENOENT, 0x0102_0304_0506_0708);
  assert_eq!(u32s(&h[..8]), [21, (-libc::ENOENT) as u32]);
  assert_eq!(u64s(&h[8..]), [0x0102_0304_0506_0708]);
}

fn init_in(major: u32, minor: u32, readahead: u32, flags: u32) -> Vec<u8> {
  [major, minor, readahead, flags].iter().flat_map(|v| v.to_ne_bytes()).collect()
}

#[test]
fn init_answers_protocol_7_with_1_mib_requests() {
  let all_flags = u32::MAX;
  let out = init_out(&init_in(7, 40, 131_072, all_flags)).unwrap();
  assert_eq!(out.len(), 64, "sizeof(struct fuse_init_out)");
  let words = u32s(&out[..16]);
  assert_eq!(words[..3], [7, 38, 131_072], "major, minor capped at 38, max_readahead echoed");
  assert_eq!(words[3], (1 << 0) | (1 << 18) | (1 << 22), "only ASYNC_READ, PARALLEL_DIROPS, MAX_PAGES");
  assert_eq!(u16::from_ne_bytes(out[16..18].try_into().unwrap()), 64);
  assert_eq!(u16::from_ne_bytes(out[18..20].try_into().unwrap()), 48);
  assert_eq!(u32s(&out[20..28]), [4096, 1], "max_write, time_gran");
  assert_eq!(u16::from_ne_bytes(out[28..30].try_into().unwrap()), MAX_PAGES);
  assert!(out[30..].iter().all(|&b| b == 0));
  // Flags the kernel did not offer are not taken.
  assert_eq!(u32s(&init_out(&init_in(7, 31, 0, 1 << 22)).unwrap()[12..16]), [1 << 22]);
  assert_eq!(u32s(&init_out(&init_in(7, 31, 0, 0)).unwrap()[..16]), [7, 31, 0, 0], "an older minor is kept");
}

#[test]
fn init_of_another_major_asks_for_7() {
  assert_eq!(u32s(&init_out(&init_in(8, 0, 0, 0)).unwrap()), [7, 38]);
  assert_eq!(u32s(&init_out(&init_in(6, 9, 0, 0)).unwrap()), [7, 38]);
}

#[test]
fn a_short_init_is_refused() {
  let body = init_in(7, 38, 0, 0);
  for n in 0..16 {
    assert_eq!(init_out(&body[..n]), Err(libc::EINVAL), "{n} bytes");
  }
}

#[test]
fn attributes_of_the_root_and_of_a_device() {
  let time = (1_700_000_000, 123_456_789);
  let root = fuse_attr(ROOT_ID, None, time);
  assert_eq!(root.len(), 88, "sizeof(struct fuse_attr)");
  assert_eq!(u64s(&root[..48]), [ROOT_ID, 0, 0, 1_700_000_000, 1_700_000_000, 1_700_000_000]);
  assert_eq!(u32s(&root[48..]), [123_456_789, 123_456_789, 123_456_789, 0o040500, 2, 0, 0, 0, 4096, 0]);
  let file = fuse_attr(7, Some(1025), time);
  assert_eq!(u64s(&file[..24]), [7, 1025, 3], "ino, size, 512-byte blocks rounded up");
  assert_eq!(u32s(&file[60..68]), [0o100400, 1], "a read-only regular file, one link");
  let attr = attr_out(&file);
  assert_eq!(attr.len(), 104, "sizeof(struct fuse_attr_out)");
  assert_eq!(u64s(&attr[..8]), [TTL]);
  assert_eq!(&attr[16..], &file[..]);
}

#[test]
fn an_entry_names_its_node_with_both_ttls() {
  let attr = fuse_attr(4, Some(10), (1, 2));
  let out = entry_out(4, &attr);
  assert_eq!(out.len(), 128, "sizeof(struct fuse_entry_out)");
  assert_eq!(u64s(&out[..40]), [4, 0, TTL, TTL, 0], "nodeid, generation, entry and attr ttl, nsec");
  assert_eq!(&out[40..], &attr[..]);
}

#[test]
fn open_and_statfs_replies() {
  let out = open_out(FOPEN_KEEP_CACHE);
  assert_eq!(u64s(&out[..8]), [0], "fh");
  assert_eq!(u32s(&out[8..]), [FOPEN_KEEP_CACHE, 0]);
  assert_eq!(open_flags(&(libc::O_RDWR as u32).to_ne_bytes()), libc::O_RDWR);
  assert_eq!(open_flags(&[1, 2]), 0, "a short body reads as O_RDONLY");
  let s = statfs_out(1000, 4);
  assert_eq!(s.len(), 80, "sizeof(struct fuse_statfs_out)");
  assert_eq!(u64s(&s[..40]), [1000, 0, 0, 4, 0], "blocks, bfree, bavail, files, ffree");
  assert_eq!(u32s(&s[40..]), [4096, 255, 4096, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn device_names_are_plain_decimal_indexes() {
  assert_eq!(parse_name(b"0"), Some(0));
  assert_eq!(parse_name(b"17"), Some(17));
  assert_eq!(parse_name(b"999999999"), Some(999_999_999));
  for bad in [&b""[..], b"00", b"01", b"1234567890", b"-1", b"+1", b"1a", b" 1", b"\xff"] {
    assert_eq!(parse_name(bad), None, "{bad:?}");
  }
  assert_eq!(lookup_name(b"12\0junk"), b"12");
  assert_eq!(lookup_name(b"12"), b"12", "no NUL: the whole body");
  assert_eq!(lookup_name(b""), b"");
  assert_eq!(device_nodeid(0), 2);
  assert_eq!(device_nodeid(u64::MAX), u64::MAX, "saturates");
}

#[test]
fn reads_stop_at_the_end_and_at_max_read() {
  let mut body = vec![0u8; 40];
  body[8..16].copy_from_slice(&4096u64.to_ne_bytes());
  body[16..20].copy_from_slice(&8192u32.to_ne_bytes());
  assert_eq!(read_in(&body), Some((4096, 8192)));
  assert_eq!(read_in(&body[..19]), None);
  assert_eq!(read_length(0, 100, 1000), 100);
  assert_eq!(read_length(900, 200, 1000), 100, "clipped at the end");
  assert_eq!(read_length(1000, 200, 1000), 0, "at the end");
  assert_eq!(read_length(u64::MAX, 200, 1000), 0, "far past the end");
  assert_eq!(read_length(5, 0, 1000), 0, "nothing asked");
  assert_eq!(read_length(0, u32::MAX, u64::MAX), u64::from(MAX_READ), "at most max_pages pages");
}

/// (ino, next offset, type, name) of each struct fuse_dirent.
fn dirents(mut b: &[u8]) -> Vec<(u64, u64, u32, String)> {
  let mut out = Vec::new();
  while !b.is_empty() {
    let (ino, off) = (u64_at(b, 0).unwrap(), u64_at(b, 8).unwrap());
    let (namelen, kind) = (u32_at(b, 16).unwrap() as usize, u32_at(b, 20).unwrap());
    out.push((ino, off, kind, String::from_utf8(b[24..24 + namelen].to_vec()).unwrap()));
    let padded = (24 + namelen).div_ceil(8) * 8;
    assert!(b[24 + namelen..padded].iter().all(|&x| x == 0), "padding is zeros");
    b = &b[padded..];
  }
  out
}

#[test]
fn readdir_lists_dot_dotdot_and_the_devices_and_resumes_at_an_offset() {
  let all = readdir_out(11, 0, 4096);
  assert_eq!(all.len() % 8, 0);
  let entries = dirents(&all);
  assert_eq!(entries.len(), 13);
  assert_eq!(entries[0], (ROOT_ID, 1, 4, ".".to_owned()));
  assert_eq!(entries[1], (ROOT_ID, 2, 4, "..".to_owned()));
  assert_eq!(entries[2], (2, 3, 8, "0".to_owned()));
  assert_eq!(entries[12], (12, 13, 8, "10".to_owned()));
  // Each device entry's ino is the node id LOOKUP gives for its name.
  for (ino, _, _, name) in &entries[2..] {
    assert_eq!(*ino, device_nodeid(parse_name(name.as_bytes()).unwrap()));
  }
  // A buffer that fits three entries (32 bytes each) ends the reply there; the next call resumes.
  let first = dirents(&readdir_out(11, 0, 100));
  assert_eq!(first.len(), 3);
  let next = dirents(&readdir_out(11, first.last().unwrap().1, 4096));
  assert_eq!(next[0].3, "1");
  assert_eq!(first.len() + next.len(), 13);
  assert!(readdir_out(11, 13, 4096).is_empty(), "past the last entry");
  assert!(readdir_out(11, 0, 31).is_empty(), "not even one entry fits");
  assert!(readdir_out(0, u64::MAX, 4096).is_empty());
}

#[test]
fn resent_uniques_survive_the_trip_through_javascript() {
  for unique in [2u64, 4, 1 << 40, (1 << 52) + 2] {
    assert_eq!(unique_of_token(token_of_unique(unique)), unique);
    let resent = unique | UNIQUE_RESEND;
    assert!(token_of_unique(resent) < 0.0);
    assert_eq!(unique_of_token(token_of_unique(resent)), resent);
  }
}
