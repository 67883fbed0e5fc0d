#!/usr/bin/env bash
# Runs Evolve's whole test suite, installing what a fresh machine lacks.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
# The Docker backend's tests run against podman's Docker-compatible service (with runsc), and read
# the engine's state with curl.
apt_install podman curl
swift build --build-tests
# Suites run one after another: several check wall-clock bounds (a killed sandbox within its
# timeout + 2 s), which suites competing for 2 cores would blur. Serially it takes about 80 s.
swift test --skip-build --no-parallel
