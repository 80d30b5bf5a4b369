#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Static checks: cppcheck over the C sources, shellcheck over the scripts.
# Findings of severity warning and above fail the test.
set -u
src=${HP_SRC:?}
cd "$src" || exit 1
fails=0 checks=0
if command -v cppcheck >/dev/null; then
    checks=$((checks + 1))
    if cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
        --std=c11 --inline-suppr -I conf -I provider -I cli \
        --suppress=missingIncludeSystem conf provider cli bench tests; then
        echo "ok   - cppcheck: no warnings"
    else
        echo "FAIL - cppcheck"
        fails=$((fails + 1))
    fi
else
    echo "note: cppcheck not installed"
fi
if command -v shellcheck >/dev/null; then
    checks=$((checks + 1))
    mapfile -t scripts < <(git ls-files '*.sh' .ci/run 2>/dev/null ||
        find . -name '*.sh' -not -path './build*')
    if shellcheck -x -S warning "${scripts[@]}"; then
        echo "ok   - shellcheck: ${#scripts[@]} scripts, no warnings"
    else
        echo "FAIL - shellcheck"
        fails=$((fails + 1))
    fi
else
    echo "note: shellcheck not installed"
fi
[ "$checks" -gt 0 ] || { echo "SKIP: no static checker installed"; exit 77; }
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
