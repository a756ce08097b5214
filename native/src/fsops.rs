//! Filesystem syscalls Node lacks: the l*xattr family (which never follows a final symlink, so a
//! symlink's own attributes are read and written) and mknod. All synchronous: each is one short
//! syscall, like fs.lstatSync. Errors carry the errno name as `code` (`ENOENT`, `ENOTSUP`, ...).

use std::ffi::CString;

use napi::bindgen_prelude::{Buffer, BufferSlice};
use napi::Env;
use napi_derive::napi;

use crate::errors::{invalid_arg, last_errno, out_of_range, syscall_error, throw, JsResult};

/// How often a get/list is retried when the value grew between asking its size and reading it.
const SIZE_RACE_RETRIES: usize = 8;

pub(crate) fn c_string(what: &str, value: &str) -> JsResult<CString> {
  CString::new(value).map_err(|_| invalid_arg(format!("{what} must not contain NUL bytes")))
}

/// Calls `read(buffer)` the way the xattr "ask the size, then read" protocol wants: first with an
/// empty buffer to learn the size, then with a buffer of that size, again if the value grew
/// (ERANGE) meanwhile. `Ok(None)` when the syscall failed with ENODATA.
fn read_sized(
  syscall: &str,
  path: &str,
  mut read: impl FnMut(&mut [u8]) -> isize,
) -> JsResult<Option<Vec<u8>>> {
  for _ in 0..SIZE_RACE_RETRIES {
    let size = read(&mut []);
    if size < 0 {
      return match last_errno() {
        libc::ENODATA => Ok(None),
        errno => Err(syscall_error(errno, syscall, path)),
      };
    }
    let mut buffer = vec![0u8; size as usize];
    let read_len = read(&mut buffer);
    if read_len >= 0 {
      buffer.truncate(read_len as usize);
      return Ok(Some(buffer));
    }
    match last_errno() {
      libc::ERANGE => continue,
      libc::ENODATA => return Ok(None),
      errno => return Err(syscall_error(errno, syscall, path)),
    }
  }
  Err(syscall_error(libc::ERANGE, syscall, path))
}

fn buffer_ptr(buffer: &mut [u8]) -> *mut libc::c_void {
  if buffer.is_empty() {
    std::ptr::null_mut()
  } else {
    buffer.as_mut_ptr().cast()
  }
}

/// The value of extended attribute `name` of `path` (not following a final symlink), or null
/// when the file has no such attribute.
#[napi(catch_unwind, ts_return_type = "Buffer | null")]
pub fn lgetxattr(env: &Env, path: String, name: String) -> napi::Result<Option<Buffer>> {
  lgetxattr_inner(path, name).map_err(|err| throw(env, err))
}

fn lgetxattr_inner(path: String, name: String) -> JsResult<Option<Buffer>> {
  let c_path = c_string("path", &path)?;
  let c_name = c_string("name", &name)?;
  let value = read_sized("lgetxattr", &path, |buffer| unsafe {
    libc::lgetxattr(c_path.as_ptr(), c_name.as_ptr(), buffer_ptr(buffer), buffer.len())
  })?;
  Ok(value.map(Buffer::from))
}

/// Names of the extended attributes of `path` (not following a final symlink), in the order the
/// filesystem lists them. A name that is not UTF-8 is decoded lossily.
#[napi(catch_unwind)]
pub fn llistxattr(env: &Env, path: String) -> napi::Result<Vec<String>> {
  llistxattr_inner(path).map_err(|err| throw(env, err))
}

fn llistxattr_inner(path: String) -> JsResult<Vec<String>> {
  let c_path = c_string("path", &path)?;
  let list = read_sized("llistxattr", &path, |buffer| unsafe {
    libc::llistxattr(c_path.as_ptr(), buffer_ptr(buffer).cast(), buffer.len())
  })?
  .unwrap_or_default();
  Ok(
    list
      .split(|&byte| byte == 0)
      .filter(|name| !name.is_empty())
      .map(|name| String::from_utf8_lossy(name).into_owned())
      .collect(),
  )
}

/// Sets extended attribute `name` of `path` (not following a final symlink), creating or
/// replacing it.
#[napi(catch_unwind)]
pub fn lsetxattr(env: &Env, path: String, name: String, value: BufferSlice) -> napi::Result<()> {
  lsetxattr_inner(path, name, value).map_err(|err| throw(env, err))
}

fn lsetxattr_inner(path: String, name: String, value: BufferSlice) -> JsResult<()> {
  let c_path = c_string("path", &path)?;
  let c_name = c_string("name", &name)?;
  let value: &[u8] = &value;
  let status = unsafe {
    libc::lsetxattr(
      c_path.as_ptr(),
      c_name.as_ptr(),
      value.as_ptr().cast(),
      value.len(),
      0,
    )
  };
  if status < 0 {
    return Err(syscall_error(last_errno(), "lsetxattr", &path));
  }
  Ok(())
}

/// Removes extended attribute `name` of `path` (not following a final symlink); ENODATA when the
/// file has no such attribute.
#[napi(catch_unwind)]
pub fn lremovexattr(env: &Env, path: String, name: String) -> napi::Result<()> {
  lremovexattr_inner(path, name).map_err(|err| throw(env, err))
}

fn lremovexattr_inner(path: String, name: String) -> JsResult<()> {
  let c_path = c_string("path", &path)?;
  let c_name = c_string("name", &name)?;
  let status = unsafe { libc::lremovexattr(c_path.as_ptr(), c_name.as_ptr()) };
  if status < 0 {
    return Err(syscall_error(last_errno(), "lremovexattr", &path));
  }
  Ok(())
}

pub(crate) fn whole_u32(what: &str, value: f64) -> JsResult<u32> {
  if value.is_finite() && value.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&value) {
    Ok(value as u32)
  } else {
    Err(out_of_range(format!(
      "{what} must be a whole number from 0 to {}, got {value}",
      u32::MAX
    )))
  }
}

/// Creates a device node, fifo or socket file: `mode` holds the type bits (S_IFCHR, S_IFBLK,
/// S_IFIFO, S_IFSOCK, S_IFREG) and the permissions (the process umask applies); `major`/`minor`
/// matter for devices only. Device nodes need CAP_MKNOD.
#[napi(catch_unwind)]
pub fn mknod(env: &Env, path: String, mode: f64, major: f64, minor: f64) -> napi::Result<()> {
  mknod_inner(path, mode, major, minor).map_err(|err| throw(env, err))
}

fn mknod_inner(path: String, mode: f64, major: f64, minor: f64) -> JsResult<()> {
  let c_path = c_string("path", &path)?;
  let mode = whole_u32("mode", mode)?;
  let device = libc::makedev(whole_u32("major", major)?, whole_u32("minor", minor)?);
  let status = unsafe { libc::mknod(c_path.as_ptr(), mode as libc::mode_t, device) };
  if status < 0 {
    return Err(syscall_error(last_errno(), "mknod", &path));
  }
  Ok(())
}
