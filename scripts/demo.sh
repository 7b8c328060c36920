#!/usr/bin/env bash
# A short visible session in the sandbox: each command runs through `runrsc run` on the demo rootfs
# (build/rootfs, made by examples/scripts/make-busybox-rootfs.sh) and is echoed before it runs.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

rootfs="${ROOTFS:-build/rootfs}"
cli="packages/runrsc/dist/cli.js"

if [[ ! -f "$cli" ]]; then
  echo "demo: $cli is missing; run 'pnpm build' (or scripts/bootstrap.sh) first" >&2
  exit 1
fi
if [[ ! -x "$rootfs/bin/busybox" ]]; then
  bash examples/scripts/make-busybox-rootfs.sh "$rootfs"
fi

# Prints a command the way a user would type it, then runs it in the sandbox.
run() {
  printf '\n\033[1m$ runrsc run --rootfs %s --' "$rootfs"
  printf ' %q' "$@"
  printf '\033[0m\n'
  node "$cli" run --rootfs "$rootfs" -- "$@"
}

run busybox uname -a
run cat /etc/hostname
run cat /etc/os-release
run ls /
run sh -c 'echo hello from $(cat /etc/hostname)'
