# Sourced by the scripts in this folder: installs what a fresh Debian machine lacks.
# Every step checks first, so running it again costs nothing.

evolve_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# apt_install PACKAGE...: installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "evolve: installing ${missing[*]} (apt)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

# The tools Evolve itself runs: python3 for the example evaluators (python3-venv builds their
# environments from requirements.txt), runsc (gVisor) and setpriv (util-linux) for the default
# sandbox, prlimit (util-linux) for the process sandbox, sqlite3 to open a run's database.
ensure_runtime() {
  apt_install python3 python3-venv runsc util-linux sqlite3
  if ! command -v swift >/dev/null 2>&1; then
    echo "evolve: Swift 6.2 or newer is required (https://www.swift.org/install/linux/)" >&2
    exit 1
  fi
}
