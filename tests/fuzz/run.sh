#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets with clang and run each one for SECONDS
# (default 60) from the committed seed corpus.  Fails if a target finds a
# crash, a leak, undefined behaviour, a timeout or a broken invariant.
#
#   tests/fuzz/run.sh [SECONDS]
#
# Needs, besides what the normal build needs: clang and its fuzzer runtime
# (Debian 12: clang libclang-rt-14-dev).  One fuzzing process at a time.
# Environment:
#   HOSTPIN_FUZZ_OUT    folder for logs and crash inputs (default: a new
#                       temporary folder, removed when nothing was found)
#   HOSTPIN_FUZZ_BUILD  build folder to reuse between runs (default: inside
#                       HOSTPIN_FUZZ_OUT)
#   HOSTPIN_FUZZ_JOBS   parallel compile jobs (default 2)
set -euo pipefail

secs=${1:-60}
case $secs in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

if ! command -v clang >/dev/null; then
    echo "$0: clang is not installed (Debian: clang libclang-rt-14-dev)" >&2
    exit 1
fi

keep_out=${HOSTPIN_FUZZ_OUT:+yes}
out=${HOSTPIN_FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/hostpin-fuzz.XXXXXX")}
mkdir -p "$out"
build=${HOSTPIN_FUZZ_BUILD:-$out/build}

# The whole library is instrumented for coverage and checked by ASan and
# UBSan; UBSan aborts instead of printing and going on.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
flags="$flags -fno-omit-frame-pointer -g"
if ! cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOSTPIN_FUZZ=ON \
    -DHOSTPIN_SANITIZE=OFF -DCMAKE_C_FLAGS="$flags" \
    >"$out/configure.log" 2>&1; then
    cat "$out/configure.log" >&2
    exit 1
fi
cmake --build "$build" -j"${HOSTPIN_FUZZ_JOBS:-2}" \
    --target fuzz_conf fuzz_decide >"$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    exit 1
}

export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
for t in fuzz_conf fuzz_decide; do
    # A copy: libFuzzer adds what it finds to the corpus folder.
    corpus="$out/corpus-$t"
    mkdir -p "$corpus" "$out/crashes-$t"
    cp "$here/corpus/$t/"* "$corpus/"
    args=(-timeout=10 -rss_limit_mb=2048 -max_len=8192
          -artifact_prefix="$out/crashes-$t/")
    if [ -f "$here/$t.dict" ]; then
        args+=(-dict="$here/$t.dict")
    fi
    # libconfig's leak on syntax errors (lsan.supp) makes libFuzzer scan
    # the heap after most fuzz_conf inputs, 20 times slower: fuzz without
    # leak checks, then check every input of the grown corpus for leaks.
    leaks=1
    [ "$t" = fuzz_conf ] && leaks=0
    seeds=("$here/corpus/$t/"*)
    echo "== $t: ${secs}s from ${#seeds[@]} seeds"
    if "$build/tests/fuzz/$t" "${args[@]}" -max_total_time="$secs" \
        -detect_leaks=$leaks -print_final_stats=1 "$corpus" \
        >"$out/$t.log" 2>&1 &&
        "$build/tests/fuzz/$t" "${args[@]}" -runs=0 -detect_leaks=1 \
            "$corpus" >"$out/$t-leaks.log" 2>&1; then
        grep -E '^(Done |stat::(number_of_executed_units|peak_rss_mb))' \
            "$out/$t.log" || true
        echo "leak check of $(find "$corpus" -type f | wc -l) inputs: none"
    else
        tail -n 60 "$out/$t.log" "$out/$t-leaks.log" >&2 2>/dev/null || true
        echo "== $t FAILED; logs and input in $out" >&2
        status=1
    fi
done

if [ "$status" -eq 0 ] && [ -z "$keep_out" ]; then
    rm -rf "$out"
fi
exit "$status"
