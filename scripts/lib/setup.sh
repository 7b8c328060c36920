# Shared by the set-up scripts (bootstrap.sh, setup-engines.sh): quiet steps, root, Debian
# packages. Source it after setting SETUP_NAME (the name in messages) and, optionally, ROOT_WHY.

setup_log="$(mktemp -t "rvisor-$SETUP_NAME.XXXXXX")"
trap 'rm -f "$setup_log"' EXIT

# Runs a step with its output captured; on failure shows the output and stops.
step() {
  local what="$1"
  shift
  if ! "$@" >"$setup_log" 2>&1; then
    echo "$SETUP_NAME: $what failed:" >&2
    cat "$setup_log" >&2
    exit 1
  fi
}

# The prefix that runs a command as root: nothing when root already, else sudo.
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "$SETUP_NAME: run as root${ROOT_WHY:+ ($ROOT_WHY)}" >&2
    exit 1
  fi
fi

# install_debs [APT-GET INSTALL OPTIONS...] -- PACKAGES...: installs those not installed yet
# (after apt-get update: a fresh image has no package lists, an old one stale ones).
install_debs() {
  local opts=()
  while [[ "$1" != -- ]]; do
    opts+=("$1")
    shift
  done
  shift
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} > 0)) || return 0
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update" "${as_root[@]}" apt-get update -q
  step "apt-get install ${missing[*]}" "${as_root[@]}" apt-get install -y -q "${opts[@]}" "${missing[@]}"
}
