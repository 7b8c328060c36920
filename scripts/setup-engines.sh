#!/usr/bin/env bash
# Installs and configures the container engines the engine tests drive (podman, containerd with
# its runc shim, ctr) plus runc, umoci and skopeo, for a Debian 12 machine with cgroups v1 and no
# systemd. Idempotent and quiet unless a step fails. Needs only Debian's apt mirrors.
#
# The tests give every engine its own root, state directory and socket; the only host-wide file
# written here is /etc/containers/containers.conf (podman reads it before any flag).
set -euo pipefail

DEBIAN_PACKAGES=(podman containerd runc umoci skopeo)

SETUP_NAME=setup-engines
# shellcheck source=scripts/lib/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

install_debs -- "${DEBIAN_PACKAGES[@]}"

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
