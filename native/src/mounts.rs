//! mount(2) and umount2(2), run on libuv's threadpool (napi's AsyncTask), never on the JavaScript
//! thread. The daemon mounts EROFS file-backed (the source is the bootstrap, a regular file, and
//! `device=` options name the blob files) and those files may live on a FUSE filesystem that
//! this same process's JavaScript thread serves: the kernel reads them while the syscall runs,
//! so a mount made on the JavaScript thread would wait for answers only that thread can give.
//! util-linux mount(8) is no substitute: it puts a regular-file source on a loop device.
//!
//! The syscall's outcome is an errno captured on the pool thread; the JS error is built from it
//! in `resolve`, on the JavaScript thread. Nothing that runs on the pool thread can panic (one
//! libc call and a read of errno), so no unwind can cross libuv's callback.

use std::ffi::CString;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use crate::errors::{last_errno, syscall_error_object, throw, JsResult};
use crate::fsops::{c_string, whole_u32};

/// What a syscall on the pool thread gave: 0, or the errno it failed with.
type Errno = i32;

pub struct Mount {
  source: CString,
  target: CString,
  fstype: CString,
  flags: libc::c_ulong,
  /// None for no options (a null pointer, as mount(8) passes).
  data: Option<CString>,
}

impl Task for Mount {
  type Output = Errno;
  type JsValue = ();

  fn compute(&mut self) -> napi::Result<Errno> {
    let data = self
      .data
      .as_ref()
      .map_or(std::ptr::null(), |data| data.as_ptr().cast());
    let status = unsafe {
      libc::mount(
        self.source.as_ptr(),
        self.target.as_ptr(),
        self.fstype.as_ptr(),
        self.flags,
        data,
      )
    };
    Ok(if status < 0 { last_errno() } else { 0 })
  }

  fn resolve(&mut self, env: Env, errno: Errno) -> napi::Result<()> {
    if errno == 0 {
      return Ok(());
    }
    let source = self.source.to_string_lossy();
    let target = self.target.to_string_lossy();
    Err(syscall_error_object(&env, errno, "mount", &source, Some(&target)))
  }
}

/// mount(2) on libuv's threadpool: mounts `source` (a device, or a regular file for filesystems
/// that take one, such as EROFS since Linux 6.12) of type `fstype` on `target`, with `flags`
/// (MS_RDONLY = 1, ...) and `data` (the comma-separated options; empty for none). Rejects with
/// the errno name as `code`, `syscall` 'mount', `path` the source and `dest` the target.
#[napi(catch_unwind, ts_return_type = "Promise<void>")]
pub fn mount_fs(
  env: &Env,
  source: String,
  target: String,
  fstype: String,
  flags: f64,
  data: String,
) -> napi::Result<AsyncTask<Mount>> {
  let start = || -> JsResult<AsyncTask<Mount>> {
    Ok(AsyncTask::new(Mount {
      source: c_string("source", &source)?,
      target: c_string("target", &target)?,
      fstype: c_string("fstype", &fstype)?,
      flags: whole_u32("flags", flags)?.into(),
      data: if data.is_empty() {
        None
      } else {
        Some(c_string("data", &data)?)
      },
    }))
  };
  start().map_err(|err| throw(env, err))
}

pub struct Umount {
  target: CString,
  flags: libc::c_int,
}

impl Task for Umount {
  type Output = Errno;
  type JsValue = ();

  fn compute(&mut self) -> napi::Result<Errno> {
    let status = unsafe { libc::umount2(self.target.as_ptr(), self.flags) };
    Ok(if status < 0 { last_errno() } else { 0 })
  }

  fn resolve(&mut self, env: Env, errno: Errno) -> napi::Result<()> {
    if errno == 0 {
      return Ok(());
    }
    let target = self.target.to_string_lossy();
    Err(syscall_error_object(&env, errno, "umount2", &target, None))
  }
}

/// umount2(2) on libuv's threadpool (an unmount can wait on a FUSE filesystem too): `flags`
/// MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8, or 0. Rejects with the
/// errno name as `code` (EINVAL when `target` is not a mount point), `syscall` 'umount2' and
/// `path` the target.
#[napi(catch_unwind, ts_return_type = "Promise<void>")]
pub fn umount_fs(env: &Env, target: String, flags: f64) -> napi::Result<AsyncTask<Umount>> {
  let start = || -> JsResult<AsyncTask<Umount>> {
    Ok(AsyncTask::new(Umount {
      target: c_string("target", &target)?,
      // umount2 takes an int: flags above i32::MAX wrap to negative, which the kernel refuses
      // (EINVAL) like any other unknown flag.
      flags: whole_u32("flags", flags)? as libc::c_int,
    }))
  };
  start().map_err(|err| throw(env, err))
}
