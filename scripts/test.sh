#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite: installs what it needs, builds, runs every CTest test,
# then the same suite again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
ctest --test-dir build --output-on-failure -j2
scripts/build.sh build-asan -DHOSTPIN_SANITIZE=ON
ctest --test-dir build-asan --output-on-failure -j2 -LE nosanitize
# The threaded stress test again, module and client under ThreadSanitizer.
scripts/build.sh build-tsan -DHOSTPIN_TSAN=ON --target hostpin --target hp_stress
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir build-tsan --output-on-failure -L tsan
# Both fuzz targets for a bounded time under ASan and UBSan (libFuzzer).
tests/fuzz/run.sh "${HOSTPIN_FUZZ_SECONDS:-60}"
# The packages (dpkg-buildpackage + lintian, cmake --install, rpmbuild) and
# a real installation into a Debian 12 root; then hostpin against OpenSSL
# 3.5 and 4.0 built from Debian's sources.  Both cache what is expensive in
# ${HOSTPIN_CACHE:-/var/cache/hostpin}.
scripts/install-test.sh
scripts/openssl-versions.sh
echo "hostpin: all tests passed (plain, ASan+UBSan and TSan builds, fuzzing)"
