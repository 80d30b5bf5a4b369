#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configure and build hostpin into BUILD_DIR (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
# usage: scripts/build.sh [BUILD_DIR] [cmake -D options...] [--target T...]
dir=${1:-build}
shift || true
opts=() targets=()
while [ $# -gt 0 ]; do
    case $1 in
    --target) targets+=(--target "$2"); shift 2 ;;
    *) opts+=("$1"); shift ;;
    esac
done
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${opts[@]}" >/dev/null
cmake --build "$dir" -j2 "${targets[@]}"
