# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A private mount namespace for tests that need files at fixed system
# paths of their own (sourced, bash; defines
# functions only, so that it can come before lib-cli.sh).  Nothing mounted
# here is seen outside, and it all goes when the test ends.

# hp_private_ns SCRIPT ARGS...: run SCRIPT again inside a new private
# mount namespace (once; HP_IN_NS marks the second run), or exit 77 with
# the reason.
hp_private_ns() {
    [ -n "${HP_IN_NS:-}" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: needs root for a private mount namespace (unshare -m)"
        exit 77
    fi
    if ! command -v unshare >/dev/null 2>&1; then
        echo "SKIP: unshare (util-linux) is not installed"
        exit 77
    fi
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "SKIP: cannot create a mount namespace here"
        exit 77
    fi
    HP_IN_NS=1 exec unshare -m --propagation private bash "$@"
}
