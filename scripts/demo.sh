#!/usr/bin/env bash
# A short visible session in the sandbox: each command runs through `runrsc run` on the demo rootfs
# (build/rootfs, made by examples/scripts/make-busybox-rootfs.sh) and is echoed before it runs.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

rootfs="${ROOTFS:-build/rootfs}"
cli="${RUNRSC_CLI:-packages/runrsc/dist/runrsc.cjs}"

if [[ ! -f "$cli" ]]; then
  echo "demo: $cli is missing; run 'pnpm build' (or scripts/bootstrap.sh) first" >&2
  exit 1
fi
if [[ ! -x "$rootfs/bin/busybox" ]]; then
  bash examples/scripts/make-busybox-rootfs.sh "$rootfs"
fi

bold='' plain=''
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; fi

# Quotes a word for display the way one would type it in a shell.
shell_word() {
  if [[ "$1" =~ ^[A-Za-z0-9_./=:@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

# Prints a command the way a user would type it, then runs it in the sandbox.
run() {
  local shown="runrsc run --rootfs $rootfs --" word
  for word in "$@"; do shown+=" $(shell_word "$word")"; done
  printf '\n%s$ %s%s\n' "$bold" "$shown" "$plain"
  node "$cli" run --rootfs "$rootfs" -- "$@"
}

run busybox uname -a
run cat /etc/hostname
run cat /etc/os-release
run ls /
run sh -c 'echo "hello from $(cat /etc/hostname), pid $$"; ls /bin | wc -l'
