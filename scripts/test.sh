#!/usr/bin/env bash
# Runs Evolve's whole test suite, installing what a fresh machine lacks.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
swift build --build-tests
swift test --skip-build
