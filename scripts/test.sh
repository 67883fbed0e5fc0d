#!/usr/bin/env bash
# Runs Evolve's whole test suite, installing what a fresh machine lacks.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
# The Docker backend's tests run against podman's Docker-compatible service (with runsc), and read
# the engine's state with curl. The web page's tests drive Debian's headless Chromium through chromedriver.
apt_install podman curl chromium chromium-driver
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
