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
DEBIAN_PACKAGES=(build-essential pkg-config librust-libc-dev busybox-static strace proot musl-tools util-linux sqlite3 tmux)

log="$(mktemp -t rvisor-bootstrap.XXXXXX)"
trap 'rm -f "$log"' EXIT

# Runs a step with its output captured; on failure shows the output and stops.
step() {
  local what="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "bootstrap: $what failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

as_root=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "bootstrap: run as root (apt-get, ptrace and seccomp need it)" >&2
    exit 1
  fi
fi

if [[ -f "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
elif [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
# Debian's Rust only when no toolchain is found (a rustup install in ~/.cargo/bin is kept).
if ! command -v cargo >/dev/null; then
  missing+=(cargo rustc)
fi
if ((${#missing[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update" "${as_root[@]}" apt-get update -q
  step "apt-get install ${missing[*]}" "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  step "npm i -g pnpm@$PNPM_VERSION" "${as_root[@]}" npm i -g --no-audit --no-fund "pnpm@$PNPM_VERSION"
  hash -r
fi

step "pnpm install" pnpm install --frozen-lockfile
step "pnpm build" pnpm build
step "building the demo rootfs" bash examples/scripts/make-busybox-rootfs.sh "$repo_root/build/rootfs"
step "setting up podman and containerd for the engine tests" bash scripts/setup-engines.sh
