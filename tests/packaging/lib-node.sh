# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Debian's Node.js for the tests, without installing it (sourced, bash).
#
# /usr/bin/node may be another build (upstream Node.js links its own
# OpenSSL statically), and replacing the machine's node is not a test's
# business.  So Debian's nodejs, libnode and the node-* packages whose
# files it loads as built-in modules are downloaded with `apt-get
# download`, unpacked with `dpkg -x` into a cache folder, and run from
# there with LD_LIBRARY_PATH; their /usr/share/nodejs (the built-ins'
# compiled-in location) is laid over /usr/share in a private mount
# namespace only (hp_node_ns).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HP_SRC/tests/packaging/lib.sh"

HP_NODE_DIR=$HP_CACHE/debian-nodejs

# hp_node_installed PKG: PKG is installed on this machine (any version).
hp_node_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# hp_node_download DIR PKG...: apt-get download into DIR; 0 on success.
hp_node_download() {
    local d=$1
    shift
    (cd "$d" && apt-get download -o APT::Sandbox::User=root -qq "$@") \
        >"$d/../download.log" 2>&1
}

# hp_debian_node: Debian's node in $HP_NODE_DIR/root (cached), or exit 77
# saying why.  Sets HP_NODE (the program) and HP_NODE_LIBS (its
# LD_LIBRARY_PATH).
hp_debian_node() {
    local d=$HP_NODE_DIR ver pkgs=() queue seen=" " p dep n=0
    HP_NODE=$d/root/usr/bin/node
    HP_NODE_LIBS=$d/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
    if [ -f "$d/complete" ] && [ -x "$HP_NODE" ]; then
        return 0
    fi
    command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
        hp_skip "no apt-get/dpkg to fetch Debian's nodejs"
    mkdir -p "$d" || hp_skip "cannot create the cache folder $d"
    # The version of Debian's archive, whatever node this machine has.
    ver=$(apt-cache policy libnode108 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        ver=$(apt-cache policy libnode108 2>/dev/null | sed -n 's/^ *Candidate: //p')
    fi
    [ -n "$ver" ] && [ "$ver" != "(none)" ] ||
        hp_skip "Debian's archive offers no libnode108 (apt sources?)"
    pkgs=("nodejs=$ver" "libnode108=$ver")
    # What they need that is not installed: the node-* built-ins and any
    # library missing here (bounded breadth-first walk of Depends).
    queue="libnode108 nodejs"
    seen=" nodejs libnode108 "
    while [ -n "$queue" ] && [ $n -lt 60 ]; do
        p=${queue%% *}
        queue=${queue#"$p"}
        queue=${queue# }
        n=$((n + 1))
        for dep in $(apt-cache depends --no-recommends --no-suggests \
            --no-conflicts --no-breaks --no-replaces --no-enhances "$p" \
            2>/dev/null | sed -n 's/^ *|\{0,1\}Depends: \([^<][^ ]*\)$/\1/p'); do
            dep=${dep%:any}
            case $seen in *" $dep "*) continue ;; esac
            seen="$seen$dep "
            hp_node_installed "$dep" && continue
            pkgs+=("$dep")
            queue="$queue $dep"
            queue=${queue# }
        done
    done
    rm -rf "$d/debs" "$d/root.new"
    mkdir -p "$d/debs" "$d/root.new"
    if ! hp_node_download "$d/debs" "${pkgs[@]}"; then
        apt-get update -qq >/dev/null 2>&1 || true
        hp_node_download "$d/debs" "${pkgs[@]}" ||
            hp_skip "Debian's archive is unreachable: apt-get download ${pkgs[*]} failed ($(tail -n 1 "$d/download.log"))"
    fi
    for p in "$d"/debs/*.deb; do
        dpkg -x "$p" "$d/root.new" || hp_skip "dpkg -x $p failed"
    done
    rm -rf "$d/root"
    mv "$d/root.new" "$d/root"
    printf '%s\n' "${pkgs[@]}" >"$d/complete"
    [ -x "$HP_NODE" ] || hp_skip "the nodejs package holds no $HP_NODE"
}

# hp_node_ns CMD...: run CMD in a private mount namespace where Debian's
# /usr/share/nodejs is visible (a read-only overlay on /usr/share that
# ends with the namespace).
hp_node_ns() {
    unshare -m --propagation private bash -c '
        mount -t overlay hostpin-node -o "lowerdir=$0/root/usr/share:/usr/share" /usr/share ||
            { echo "cannot lay Debian node-* files over /usr/share" >&2; exit 125; }
        exec "$@"' "$HP_NODE_DIR" "$@"
}

# hp_node ARGS...: Debian's node (inside hp_node_ns).
hp_node() {
    LD_LIBRARY_PATH=$HP_NODE_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$HP_NODE" "$@"
}
