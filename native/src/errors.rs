//! Errors as the JavaScript side sees them. Code inside an export returns `JsResult`, whose error
//! status string becomes the thrown JS `Error`'s `code`: an errno name such as `ENOENT` for
//! failed syscalls (the same names Node's own fs errors carry), or a Node-style
//! `ERR_INVALID_ARG_VALUE` / `ERR_OUT_OF_RANGE` for bad arguments. napi-derive only accepts
//! `napi::Result` (a fixed `Status` enum) as a return type, so `throw` raises the error itself and
//! hands napi a `PendingException`, which napi leaves alone.

use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::{Env, Error, JsError, Status};

/// Result of code inside an export: the error's status string is the JS error's `code`.
pub type JsResult<T> = std::result::Result<T, Error<String>>;

/// Throws `err` as a JS exception now and returns the error an export gives back to napi.
pub fn throw(env: &Env, err: Error<String>) -> napi::Error {
  let reason = err.reason.clone();
  // SAFETY: `env` is the live environment of the export being called, on its own thread.
  unsafe { JsError::from(err).throw_into(env.raw()) };
  napi::Error::new(Status::PendingException, reason)
}

pub fn invalid_arg(message: impl Into<String>) -> Error<String> {
  Error::new("ERR_INVALID_ARG_VALUE".to_owned(), message.into())
}

pub fn out_of_range(message: impl Into<String>) -> Error<String> {
  Error::new("ERR_OUT_OF_RANGE".to_owned(), message.into())
}

/// Converts napi's own errors (argument conversions, value creation) to `JsResult`'s error.
pub fn from_napi(err: napi::Error) -> Error<String> {
  Error::new(err.status.as_ref().to_owned(), err.reason.clone())
}

/// The error for a syscall that failed with `errno`, shaped like Node's fs errors:
/// code `ENOENT`, message `ENOENT: no such file or directory, lgetxattr '/path'`.
pub fn syscall_error(errno: i32, syscall: &str, path: &str) -> Error<String> {
  syscall_error_to(errno, syscall, path, None)
}

/// `syscall_error` for a syscall with two paths, named the way Node names rename's:
/// `ENOENT: no such file or directory, mount '/source' -> '/target'`.
pub fn syscall_error_to(errno: i32, syscall: &str, path: &str, dest: Option<&str>) -> Error<String> {
  let name = errno_name(errno);
  let description = std::io::Error::from_raw_os_error(errno).to_string();
  // io::Error's text is "No such file or directory (os error 2)": keep the words only.
  let description = match description.find(" (os error") {
    Some(end) => description[..end].to_lowercase(),
    None => description.to_lowercase(),
  };
  let paths = match dest {
    Some(dest) => format!("'{path}' -> '{dest}'"),
    None => format!("'{path}'"),
  };
  Error::new(name.clone(), format!("{name}: {description}, {syscall} {paths}"))
}

/// The JS error of a syscall that failed on another thread, built on the JavaScript thread (in a
/// task's `resolve`): `syscall_error_to`'s code and message plus Node's `syscall`, `path` and
/// (with two paths) `dest` properties. Returned as a `napi::Error` that holds the object itself,
/// so a promise rejects with exactly this object.
pub fn syscall_error_object(
  env: &Env,
  errno: i32,
  syscall: &str,
  path: &str,
  dest: Option<&str>,
) -> napi::Error {
  let err = syscall_error_to(errno, syscall, path, dest);
  let fallback = napi::Error::new(Status::GenericFailure, err.reason.clone());
  let build = || -> napi::Result<napi::Error> {
    let value = JsError::from(err).into_unknown(*env);
    let mut object = Object::from_raw(env.raw(), value.raw());
    object.set_named_property("syscall", syscall)?;
    object.set_named_property("path", path)?;
    if let Some(dest) = dest {
      object.set_named_property("dest", dest)?;
    }
    Ok(napi::Error::from(object.to_unknown()))
  };
  // Creating an object or a string fails only when the environment is going away.
  build().unwrap_or(fallback)
}

/// The errno of the last failed libc call on this thread.
pub fn last_errno() -> i32 {
  std::io::Error::last_os_error()
    .raw_os_error()
    .unwrap_or(libc::EIO)
}

/// Linux errno names for the errors these syscalls can report (and a few more), as Node spells
/// them (`util.getSystemErrorName`): EOPNOTSUPP and ENOTSUP share a number and Node says ENOTSUP.
/// Where Node knows no name (ENOTBLK, EUCLEAN) it is the C library's.
pub fn errno_name(errno: i32) -> String {
  let name = match errno {
    libc::EPERM => "EPERM",
    libc::ENOENT => "ENOENT",
    libc::EINTR => "EINTR",
    libc::EIO => "EIO",
    libc::ENXIO => "ENXIO",
    libc::E2BIG => "E2BIG",
    libc::EBADF => "EBADF",
    libc::EAGAIN => "EAGAIN",
    libc::ENOMEM => "ENOMEM",
    libc::EACCES => "EACCES",
    libc::EFAULT => "EFAULT",
    libc::ENOTBLK => "ENOTBLK",
    libc::EBUSY => "EBUSY",
    libc::EEXIST => "EEXIST",
    libc::EXDEV => "EXDEV",
    libc::ENODEV => "ENODEV",
    libc::ENOTDIR => "ENOTDIR",
    libc::EISDIR => "EISDIR",
    libc::EINVAL => "EINVAL",
    libc::ENFILE => "ENFILE",
    libc::EMFILE => "EMFILE",
    libc::EFBIG => "EFBIG",
    libc::ENOSPC => "ENOSPC",
    libc::EROFS => "EROFS",
    libc::EMLINK => "EMLINK",
    libc::ERANGE => "ERANGE",
    libc::ENAMETOOLONG => "ENAMETOOLONG",
    libc::ENOSYS => "ENOSYS",
    libc::ELOOP => "ELOOP",
    libc::ENODATA => "ENODATA",
    libc::EOVERFLOW => "EOVERFLOW",
    libc::EILSEQ => "EILSEQ",
    libc::EOPNOTSUPP => "ENOTSUP",
    libc::EDQUOT => "EDQUOT",
    libc::ECONNREFUSED => "ECONNREFUSED",
    libc::ECONNRESET => "ECONNRESET",
    libc::EPIPE => "EPIPE",
    libc::ESTALE => "ESTALE",
    // EFSCORRUPTED inside the kernel: what mounting a corrupt EROFS image answers.
    libc::EUCLEAN => "EUCLEAN",
    _ => return format!("E{errno}"),
  };
  name.to_owned()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn syscall_errors_read_like_node_fs_errors() {
    let err = syscall_error(libc::ENOENT, "lgetxattr", "/x");
    assert_eq!(err.status, "ENOENT");
    assert_eq!(err.reason, "ENOENT: no such file or directory, lgetxattr '/x'");
    let err = syscall_error_to(libc::ENOTBLK, "mount", "/src", Some("/mnt"));
    assert_eq!(err.status, "ENOTBLK");
    assert_eq!(
      err.reason,
      "ENOTBLK: block device required, mount '/src' -> '/mnt'"
    );
    assert_eq!(errno_name(libc::EOPNOTSUPP), "ENOTSUP");
    assert_eq!(errno_name(4095), "E4095");
  }
}
