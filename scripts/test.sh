#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every CTest test,
# then the same suite again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
ctest --test-dir build --output-on-failure -j2
scripts/build.sh build-asan -DHOSTPIN_SANITIZE=ON
ctest --test-dir build-asan --output-on-failure -j2 -LE nosanitize
echo "hostpin: all tests passed (plain and ASan+UBSan builds)"
