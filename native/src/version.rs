//! The addon's own version, so that `darner --version` can tell which build of the addon a package
//! carries (the JavaScript and the addon are built separately and can drift apart).

use napi_derive::napi;

/// The crate version this addon was built from (native/Cargo.toml).
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
