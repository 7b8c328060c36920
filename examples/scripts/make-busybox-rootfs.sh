#!/usr/bin/env bash
# Assemble a small demo rootfs from Debian's busybox-static: one static busybox binary, a symlink
# per applet, and a few files of our own under etc/. Nothing is downloaded.
#
# Usage: make-busybox-rootfs.sh [DEST]   (default: build/rootfs at the repository root)
# Safe to run again: it rewrites what it owns and leaves other files in DEST alone.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${1:-$repo_root/build/rootfs}"

busybox_bin="${BUSYBOX:-/bin/busybox}"
if [[ ! -x "$busybox_bin" ]]; then
  busybox_bin="$(command -v busybox || true)"
fi
if [[ -z "$busybox_bin" || ! -x "$busybox_bin" ]]; then
  echo "make-busybox-rootfs: busybox not found; install it with: apt-get install busybox-static" >&2
  exit 1
fi
# A dynamically linked busybox would need the host's libc inside the rootfs.
if command -v readelf >/dev/null && readelf -l "$busybox_bin" 2>/dev/null | grep -q 'Requesting program interpreter'; then
  echo "make-busybox-rootfs: $busybox_bin is dynamically linked; install busybox-static" >&2
  exit 1
fi

mkdir -p "$dest"/{bin,etc,tmp,proc,dev,root}
chmod 1777 "$dest/tmp"
chmod 0700 "$dest/root"

install -m 0755 "$busybox_bin" "$dest/bin/busybox"
for applet in $("$dest/bin/busybox" --list); do
  [[ "$applet" == busybox ]] && continue
  ln -sfn busybox "$dest/bin/$applet"
done

echo "rvisor-demo" >"$dest/etc/hostname"

cat >"$dest/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD

cat >"$dest/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP

cat >"$dest/etc/os-release" <<'OSRELEASE'
NAME="rVisor-ts demo"
PRETTY_NAME="rVisor-ts busybox demo rootfs"
ID=rvisor-demo
VERSION_ID=0.1
HOME_URL="https://github.com/rvisor-ts/rvisor-ts"
OSRELEASE

cat >"$dest/etc/motd" <<'MOTD'
Welcome to the rVisor-ts demo rootfs.
Every system call made here is answered by a Linux kernel written in TypeScript.
MOTD
