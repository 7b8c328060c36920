#!/usr/bin/env bash
# Installs and configures the container engines the engine tests drive (podman, containerd with
# its runc shim, ctr) plus runc, umoci and skopeo, for a Debian 12 machine with cgroups v1 and no
# systemd. Idempotent and quiet unless a step fails. Needs only Debian's apt mirrors.
#
# The tests give every engine its own root, state directory and socket; the only host-wide file
# written here is /etc/containers/containers.conf (podman reads it before any flag).
set -euo pipefail

DEBIAN_PACKAGES=(podman containerd runc umoci skopeo)

as_root=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "setup-engines: run as root" >&2
    exit 1
  fi
fi

log="$(mktemp -t rvisor-setup-engines.XXXXXX)"
trap 'rm -f "$log"' EXIT

# Runs a step with its output captured; on failure shows the output and stops.
step() {
  local what="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "setup-engines: $what failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  # Update only when apt does not know a package yet (a fresh image has no lists).
  for pkg in "${missing[@]}"; do
    if ! apt-cache show "$pkg" >/dev/null 2>&1; then
      step "apt-get update" "${as_root[@]}" apt-get update -q
      break
    fi
  done
  step "apt-get install ${missing[*]}" "${as_root[@]}" apt-get install -y -q "${missing[@]}"
fi

# Debian's containerd package starts a daemon where an init system runs; the tests start their
# own, so a host daemon is neither needed nor touched.

conf=/etc/containers/containers.conf
marker='# Written by rVisor-ts scripts/setup-engines.sh'
# The default ulimits podman gives containers are more than runc may set here: podman asks for
# nofile=1048576, and for nproc the limit podman itself had before lowering its own to 32768.
# Raising a hard limit needs CAP_SYS_RESOURCE, which these machines do not grant, so runc fails
# with "error setting rlimit type 7 (then 6): operation not permitted". Give containers what this
# shell's hard limits (and podman's 32768 for nproc) allow.
nofile="$(ulimit -Hn)"
nproc="$(ulimit -Hu)"
[[ "$nofile" == unlimited || "$nofile" -gt 1048576 ]] && nofile=1048576
[[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768

# A containers.conf someone else wrote is left alone; ours is rewritten (the limits may change).
if [[ ! -e "$conf" ]] || grep -qF "$marker" "$conf"; then
  "${as_root[@]}" mkdir -p /etc/containers
  "${as_root[@]}" tee "$conf" >/dev/null <<CONF
$marker
# cgroups v1 and no systemd: cgroups through the file system, events to a file (no journald).
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
else
  echo "setup-engines: $conf exists and is not ours; left as it is" >&2
fi
