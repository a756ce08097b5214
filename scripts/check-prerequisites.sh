#!/usr/bin/env bash
# Checks what building and running darner needs that no Debian package of the right version gives
# by itself, and stops at the first missing one with one line naming what to install. It never
# installs anything: a Rust too old for the addon (Debian 12's own cargo is 1.63) fails later with
# an obscure lock-file error, so it is refused here instead.
#   git; Node.js >= 20.8 (Debian 12's nodejs is 18); Rust >= 1.88 (rustup, or Debian 12's
#   cargo-web/rustc-web from bookworm-security); Linux with FUSE (/dev/fuse); erofs mode
#   additionally needs Linux >= 6.12 (file-backed EROFS), reported but not required.
set -euo pipefail

fail() { echo "darner setup: $*" >&2; exit 1; }

# version_ge A B: true when dotted version A >= B.
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

command -v git >/dev/null || fail "git is missing: install it (apt-get install git)"

command -v node >/dev/null || fail "Node.js is missing: install Node.js 20.8 or newer (https://nodejs.org; Debian 12's nodejs 18 is too old)"
node_version=$(node --version | sed 's/^v//')
version_ge "$node_version" 20.8.0 || fail "Node.js $node_version is too old: install Node.js 20.8 or newer (https://nodejs.org)"
command -v npm >/dev/null || fail "npm is missing: install the npm that comes with Node.js 20.8 or newer"

if [[ -f "$HOME/.cargo/env" ]]; then . "$HOME/.cargo/env"; fi
rust_hint="install Rust 1.88 or newer with rustup (https://rustup.rs) or Debian 12's cargo-web from bookworm-security (apt-get install cargo-web)"
command -v cargo >/dev/null && command -v rustc >/dev/null || fail "Rust is missing: $rust_hint"
rustc_version=$(rustc --version | awk '{print $2}')
cargo_version=$(cargo --version | awk '{print $2}')
version_ge "${rustc_version%%-*}" 1.88.0 || fail "rustc $rustc_version is too old for the native addon: $rust_hint"
version_ge "${cargo_version%%-*}" 1.88.0 || fail "cargo $cargo_version is too old for the native addon: $rust_hint"

kernel=$(uname -r)
kernel_version=${kernel%%-*}
if [[ ! -c /dev/fuse ]]; then
  modprobe fuse 2>/dev/null || true
  [[ -c /dev/fuse ]] || fail "/dev/fuse is missing: load the fuse kernel module (modprobe fuse) or give the container /dev/fuse"
fi
if version_ge "$kernel_version" 6.12; then
  echo "darner setup: Linux $kernel: erofs and fuse mounts available (mode auto uses erofs)"
else
  echo "darner setup: Linux $kernel: fuse mounts only (erofs mode needs Linux 6.12 or newer; mode auto uses fuse)"
fi
