#!/usr/bin/env bash
# Runs Evolve's whole test suite, installing what a fresh machine lacks.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
# The Docker backend's tests run against podman's Docker-compatible service (with runsc), and read
# the engine's state with curl. The terminal dashboard's test runs `evolve run` inside tmux; the
# web page's tests drive Debian's headless Chromium through chromedriver.
apt_install podman curl tmux chromium chromium-driver
# The examples' evaluators, as the gVisor sandbox sees them (its root is the host's /usr): numpy,
# scipy and scikit-learn for Debian's python3, and the Rust, C++ and JavaScript toolchains.
apt_install python3-numpy python3-scipy python3-sklearn rustc cargo g++ nodejs
# The Slurm backend's tests start a cluster of their own on this machine (munged, slurmctld and
# two slurmd, under a temporary directory; nothing of /etc is used): Debian's Slurm 22.05 and munge;
# for the accounting test, slurmdbd and a MariaDB server of the cluster's own.
apt_install munge slurm-wlm slurmdbd mariadb-server
swift build --build-tests
# Suites run one after another: several check wall-clock bounds (a killed sandbox within its
# timeout + 2 s), which suites competing for 2 cores would blur. Serially it takes about 80 s.
before=$(ls -A)
swift test --skip-build --no-parallel
# Nothing the suite runs may write into the repository (conmon once left an empty `oom` here).
left=$(comm -13 <(echo "$before") <(ls -A))
if [ -n "$left" ]; then
  echo "error: the test suite left files in the repository root: $left" >&2
  exit 1
fi
