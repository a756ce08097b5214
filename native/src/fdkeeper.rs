//! The fd keeper: holds the daemon's /dev/fuse file descriptors while no daemon runs, so that a
//! FUSE connection (and every kernel mount above it) outlives a daemon crash or upgrade. A FUSE
//! connection ends only when the last fd of its /dev/fuse file is closed; the keeper holds one.
//!
//! Protocol: a unix SOCK_SEQPACKET socket, one message per datagram, fds as SCM_RIGHTS.
//! - `PUT <name>` + one fd: keep it under `name` (replacing an older one). Answer `OK`.
//! - `GET`: one `FD <name>` message + its fd per kept fd, then `END`. The keeper keeps them.
//! - `DEL <name>`: close the kept fd. Answer `OK`.
//! - `QUIT`: exit when nothing is kept (answer `OK`), else answer `BUSY <count>`.
//!
//! Names are at most NAME_MAX bytes of [A-Za-z0-9._-]. Clients are served one at a time, each
//! with a receive timeout, so one stuck client cannot hold the keeper longer than that.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use napi::Env;
use napi_derive::napi;

use crate::errors::{invalid_arg, last_errno, syscall_error, throw, JsResult};

const NAME_MAX: usize = 200;
const MESSAGE_MAX: usize = NAME_MAX + 16;
/// Seconds a peer may take to send its next message (both directions).
const TIMEOUT_SECS: libc::time_t = 5;

pub fn valid_name(name: &str) -> bool {
  !name.is_empty() && name.len() <= NAME_MAX && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// A unix socket address for `path`. sun_path holds 107 bytes; a longer path (a deep state
/// directory) is reached through its directory, opened here: `/proc/self/fd/<dir>/<name>`. The
/// returned fd must stay open until bind/connect returns.
fn socket_address(path: &str) -> JsResult<(libc::sockaddr_un, libc::socklen_t, Option<OwnedFd>)> {
  // SAFETY: sockaddr_un is plain data; all zeros is a valid value.
  let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
  addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
  if path.is_empty() || path.as_bytes().contains(&0) {
    return Err(invalid_arg(format!("keeper socket path {path:?} must be a non-empty path without NUL")));
  }
  let mut dir_fd = None;
  let mut short = path.to_owned();
  if path.len() >= addr.sun_path.len() {
    let (dir, name) = path.rsplit_once('/').ok_or_else(|| invalid_arg(format!("keeper socket path {path:?} is too long")))?;
    let dir = std::ffi::CString::new(if dir.is_empty() { "/" } else { dir }).map_err(|_| invalid_arg("NUL in the socket path"))?;
    // SAFETY: open(2) of a NUL-terminated path; O_PATH only names the directory.
    let raw = unsafe { libc::open(dir.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if raw < 0 {
      return Err(syscall_error(last_errno(), "open", path));
    }
    short = format!("/proc/self/fd/{raw}/{name}");
    // SAFETY: a descriptor we just opened and own.
    dir_fd = Some(unsafe { OwnedFd::from_raw_fd(raw) });
  }
  let bytes = short.as_bytes();
  if bytes.len() >= addr.sun_path.len() {
    return Err(invalid_arg(format!("keeper socket name in {path:?} is too long")));
  }
  for (slot, &b) in addr.sun_path.iter_mut().zip(bytes) {
    *slot = b as libc::c_char;
  }
  let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
  Ok((addr, len as libc::socklen_t, dir_fd))
}

fn new_socket(path: &str) -> JsResult<OwnedFd> {
  // SAFETY: plain socket(2).
  let raw = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0) };
  if raw < 0 {
    return Err(syscall_error(last_errno(), "socket", path));
  }
  // SAFETY: a descriptor we just opened and own.
  Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

fn set_timeouts(fd: RawFd) {
  let tv = libc::timeval { tv_sec: TIMEOUT_SECS, tv_usec: 0 };
  for option in [libc::SO_RCVTIMEO, libc::SO_SNDTIMEO] {
    // SAFETY: setsockopt with a timeval of the size given.
    unsafe {
      libc::setsockopt(fd, libc::SOL_SOCKET, option, (&tv as *const libc::timeval).cast(), std::mem::size_of::<libc::timeval>() as libc::socklen_t)
    };
  }
}

/// Sends one message, with `fd` as SCM_RIGHTS when given.
fn send_message(sock: RawFd, text: &[u8], fd: Option<RawFd>) -> Result<(), i32> {
  let mut iov = libc::iovec { iov_base: text.as_ptr() as *mut libc::c_void, iov_len: text.len() };
  // u64 words: the control buffer must be aligned for cmsghdr.
  let mut control = [0u64; 8];
  // SAFETY: msghdr is plain data; all zeros is valid.
  let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
  msg.msg_iov = &mut iov;
  msg.msg_iovlen = 1;
  if let Some(fd) = fd {
    // SAFETY: CMSG_SPACE/CMSG_FIRSTHDR/CMSG_DATA on a control buffer large enough for one int
    // (CMSG_SPACE(4) = 24 bytes ≤ 64).
    unsafe {
      msg.msg_control = control.as_mut_ptr().cast();
      msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as usize;
      let cmsg = libc::CMSG_FIRSTHDR(&msg);
      (*cmsg).cmsg_level = libc::SOL_SOCKET;
      (*cmsg).cmsg_type = libc::SCM_RIGHTS;
      (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize;
      std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>(), fd);
    }
  }
  // SAFETY: msg points at live buffers for the duration of the call.
  let n = unsafe { libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) };
  if n < 0 {
    return Err(last_errno());
  }
  Ok(())
}

/// Receives one message: its text and the fd it carried, if any (any further fds are closed).
fn receive_message(sock: RawFd) -> Result<(Vec<u8>, Option<OwnedFd>), i32> {
  let mut buffer = vec![0u8; MESSAGE_MAX];
  let mut iov = libc::iovec { iov_base: buffer.as_mut_ptr().cast(), iov_len: buffer.len() };
  let mut control = [0u64; 16];
  // SAFETY: msghdr is plain data; all zeros is valid.
  let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
  msg.msg_iov = &mut iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.as_mut_ptr().cast();
  msg.msg_controllen = std::mem::size_of_val(&control);
  // SAFETY: msg points at live buffers we own. MSG_CMSG_CLOEXEC: received fds never leak into
  // children.
  let n = unsafe { libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC) };
  if n < 0 {
    return Err(last_errno());
  }
  if n == 0 {
    return Err(libc::ECONNRESET);
  }
  let mut fds = Vec::new();
  // SAFETY: walking the control messages the kernel wrote, within msg_controllen; each
  // SCM_RIGHTS payload is whole ints (the kernel truncates, and sets MSG_CTRUNC, otherwise).
  unsafe {
    let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
    while !cmsg.is_null() {
      if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
        let data = libc::CMSG_DATA(cmsg);
        let count = ((*cmsg).cmsg_len as usize).saturating_sub(data.offset_from(cmsg.cast()) as usize) / std::mem::size_of::<RawFd>();
        for i in 0..count {
          let fd = std::ptr::read_unaligned(data.cast::<RawFd>().add(i));
          fds.push(OwnedFd::from_raw_fd(fd));
        }
      }
      cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
    }
  }
  buffer.truncate(n as usize);
  let mut fds = fds.into_iter();
  Ok((buffer, fds.next()))
}

/// Runs the keeper on `socket_path` until a QUIT finds it empty; never returns otherwise. The
/// path must not exist (the caller removes a stale socket after checking nothing answers).
#[napi(catch_unwind)]
pub fn run_fd_keeper(env: &Env, socket_path: String) -> napi::Result<()> {
  let listener = listen(&socket_path).map_err(|err| throw(env, err))?;
  let mut kept: BTreeMap<String, OwnedFd> = BTreeMap::new();
  loop {
    // SAFETY: accept4 on our listening socket; no address wanted.
    let raw = unsafe { libc::accept4(listener.as_raw_fd(), std::ptr::null_mut(), std::ptr::null_mut(), libc::SOCK_CLOEXEC) };
    if raw < 0 {
      continue;
    }
    // SAFETY: a descriptor accept4 just gave us.
    let client = unsafe { OwnedFd::from_raw_fd(raw) };
    set_timeouts(client.as_raw_fd());
    // The fds give full control of the mounts' data: only this user (root) may take or give.
    if peer_uid(client.as_raw_fd()) != Some(unsafe { libc::geteuid() }) {
      continue;
    }
    if serve_client(client.as_raw_fd(), &mut kept) {
      let _ = std::fs::remove_file(&socket_path);
      let _ = std::fs::remove_file(format!("{socket_path}.pid"));
      std::process::exit(0);
    }
  }
}

/// The uid of the process at the other end of a unix socket.
fn peer_uid(sock: RawFd) -> Option<libc::uid_t> {
  // SAFETY: ucred is plain data; getsockopt writes at most its size.
  let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
  let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
  let status = unsafe { libc::getsockopt(sock, libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut cred as *mut libc::ucred).cast(), &mut len) };
  (status == 0).then_some(cred.uid)
}

fn listen(socket_path: &str) -> JsResult<OwnedFd> {
  let listener = new_socket(socket_path)?;
  let (addr, len, _dir) = socket_address(socket_path)?;
  // SAFETY: bind/listen on our socket with an address of the length given.
  unsafe {
    if libc::bind(listener.as_raw_fd(), (&addr as *const libc::sockaddr_un).cast(), len) < 0 {
      return Err(syscall_error(last_errno(), "bind", socket_path));
    }
    let path = std::ffi::CString::new(socket_path).map_err(|_| invalid_arg("NUL in the socket path"))?;
    if libc::chmod(path.as_ptr(), 0o600) < 0 {
      return Err(syscall_error(last_errno(), "chmod", socket_path));
    }
    if libc::listen(listener.as_raw_fd(), 16) < 0 {
      return Err(syscall_error(last_errno(), "listen", socket_path));
    }
  }
  Ok(listener)
}

/// Serves one client until it hangs up; true when it asked the keeper to quit and it may.
fn serve_client(sock: RawFd, kept: &mut BTreeMap<String, OwnedFd>) -> bool {
  loop {
    let Ok((text, fd)) = receive_message(sock) else { return false };
    let text = String::from_utf8_lossy(&text).into_owned();
    let (verb, name) = text.split_once(' ').unwrap_or((text.as_str(), ""));
    let answer: Vec<u8> = match (verb, fd) {
      ("PUT", Some(fd)) if valid_name(name) => {
        kept.insert(name.to_owned(), fd);
        b"OK".to_vec()
      }
      ("GET", _) => {
        for (name, fd) in kept.iter() {
          if send_message(sock, format!("FD {name}").as_bytes(), Some(fd.as_raw_fd())).is_err() {
            return false;
          }
        }
        b"END".to_vec()
      }
      ("DEL", _) if valid_name(name) => {
        kept.remove(name);
        b"OK".to_vec()
      }
      ("QUIT", _) => {
        if kept.is_empty() {
          let _ = send_message(sock, b"OK", None);
          return true;
        }
        format!("BUSY {}", kept.len()).into_bytes()
      }
      _ => b"ERR".to_vec(),
    };
    if send_message(sock, &answer, None).is_err() {
      return false;
    }
  }
}

/// A connection to the keeper.
pub struct KeeperClient {
  sock: OwnedFd,
  path: String,
}

impl KeeperClient {
  pub fn connect(path: &str) -> JsResult<KeeperClient> {
    let sock = new_socket(path)?;
    let (addr, len, _dir) = socket_address(path)?;
    // SAFETY: connect our socket to an address of the length given.
    if unsafe { libc::connect(sock.as_raw_fd(), (&addr as *const libc::sockaddr_un).cast(), len) } < 0 {
      return Err(syscall_error(last_errno(), "connect", path));
    }
    set_timeouts(sock.as_raw_fd());
    Ok(KeeperClient { sock, path: path.to_owned() })
  }

  fn request(&self, text: &str, fd: Option<RawFd>) -> JsResult<String> {
    send_message(self.sock.as_raw_fd(), text.as_bytes(), fd).map_err(|errno| syscall_error(errno, "sendmsg", &self.path))?;
    let (answer, _) = receive_message(self.sock.as_raw_fd()).map_err(|errno| syscall_error(errno, "recvmsg", &self.path))?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
  }

  fn expect_ok(&self, text: &str, fd: Option<RawFd>) -> JsResult<()> {
    match self.request(text, fd)?.as_str() {
      "OK" => Ok(()),
      other => Err(invalid_arg(format!("the fd keeper at {} answered {other:?} to {text:?}", self.path))),
    }
  }

  pub fn put(&self, name: &str, fd: RawFd) -> JsResult<()> {
    if !valid_name(name) {
      return Err(invalid_arg(format!("bad keeper name {name:?}")));
    }
    self.expect_ok(&format!("PUT {name}"), Some(fd))
  }
}


/// One fd the keeper holds: now also open in this process (close-on-exec).
#[napi(object)]
pub struct KeptFd {
  pub name: String,
  pub fd: i32,
}

/// Every fd the keeper holds, opened in this process too (the keeper keeps its own).
#[napi(catch_unwind)]
pub fn keeper_take_all(env: &Env, socket_path: String) -> napi::Result<Vec<KeptFd>> {
  take_all(&socket_path).map_err(|err| throw(env, err))
}

fn take_all(socket_path: &str) -> JsResult<Vec<KeptFd>> {
  let client = KeeperClient::connect(socket_path)?;
  send_message(client.sock.as_raw_fd(), b"GET", None).map_err(|errno| syscall_error(errno, "sendmsg", socket_path))?;
  let mut out = Vec::new();
  loop {
    let (text, fd) = receive_message(client.sock.as_raw_fd()).map_err(|errno| syscall_error(errno, "recvmsg", socket_path))?;
    if text == b"END" {
      return Ok(out);
    }
    let text = String::from_utf8_lossy(&text).into_owned();
    match (text.strip_prefix("FD "), fd) {
      (Some(name), Some(fd)) if valid_name(name) => {
        out.push(KeptFd { name: name.to_owned(), fd: std::os::fd::IntoRawFd::into_raw_fd(fd) })
      }
      _ => {
        for kept in out {
          // SAFETY: fds we received and own.
          unsafe { libc::close(kept.fd) };
        }
        return Err(invalid_arg(format!("the fd keeper at {socket_path} sent {text:?}")));
      }
    }
  }
}

/// Has the keeper close the fd it holds under `name` (the connection's mount is gone).
#[napi(catch_unwind)]
pub fn keeper_drop(env: &Env, socket_path: String, name: String) -> napi::Result<()> {
  let dropped = KeeperClient::connect(&socket_path).and_then(|client| client.expect_ok(&format!("DEL {name}"), None));
  dropped.map_err(|err| throw(env, err))
}

/// Asks the keeper to exit; true when it did (it held nothing), false when it holds fds still.
#[napi(catch_unwind)]
pub fn keeper_quit(env: &Env, socket_path: String) -> napi::Result<bool> {
  let answer = KeeperClient::connect(&socket_path).and_then(|client| client.request("QUIT", None));
  Ok(answer.map_err(|err| throw(env, err))? == "OK")
}

/// Closes an fd this process holds (one taken from the keeper that no mount needs).
#[napi(catch_unwind)]
pub fn close_fd(fd: i32) {
  if fd >= 0 {
    // SAFETY: closing an fd the caller owns and will not use again.
    unsafe { libc::close(fd) };
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn names_are_short_and_plain() {
    assert!(valid_name("m-0123abcd"));
    assert!(valid_name("a.b_c-d"));
    assert!(!valid_name(""));
    assert!(!valid_name("a b"));
    assert!(!valid_name("../x/y"));
    assert!(!valid_name(&"a".repeat(NAME_MAX + 1)));
  }
}
