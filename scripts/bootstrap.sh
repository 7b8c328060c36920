#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (Node 20, root) to build, test and demo rVisor-ts:
# Debian packages, a Rust toolchain if none is present, pnpm, the workspace's dependencies,
# the build, and the demo rootfs (build/rootfs).
# Idempotent, and quiet unless a step fails (then that step's output is shown).
# Needs only Debian's apt mirrors and the npm registry; never crates.io.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

PNPM_VERSION=12.4.2
DEBIAN_PACKAGES=(build-essential pkg-config librust-libc-dev busybox-static strace gdb python3 proot musl-tools util-linux procps sqlite3 tmux)

SETUP_NAME=bootstrap
ROOT_WHY='apt-get, ptrace and seccomp need it'
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh

if [[ -f "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
elif [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

packages=("${DEBIAN_PACKAGES[@]}")
# Debian's Rust only when no toolchain is found (a rustup install in ~/.cargo/bin is kept).
if ! command -v cargo >/dev/null; then
  packages+=(cargo rustc)
fi
install_debs --no-install-recommends -- "${packages[@]}"

if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  step "npm i -g pnpm@$PNPM_VERSION" "${as_root[@]}" npm i -g --no-audit --no-fund "pnpm@$PNPM_VERSION"
  hash -r
fi

step "pnpm install" pnpm install --frozen-lockfile
step "pnpm build" pnpm build
step "building the demo rootfs" bash examples/scripts/make-busybox-rootfs.sh "$repo_root/build/rootfs"
step "setting up podman and containerd for the engine tests" bash scripts/setup-engines.sh
