#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The packages, built the way distributions build them, and a real
# installation:
#   1. the .deb with dpkg-buildpackage -us -uc -b, checked by lintian;
#   2. a `cmake --install` DESTDIR tree, compared with the .deb's;
#   3. the RPM with rpmbuild -bb;
#   4. the .deb installed into an isolated Debian 12 root (debootstrap
#      --variant=minbase into a folder, cached between runs), enabled there
#      with `hostpin enable`, curl in that root refused by the impostor and
#      let through to the genuine server, then `hostpin disable` and
#      `apt-get remove` leave openssl.cnf as it was
#      (tests/packaging/install_root.sh).
# Nothing is installed into the machine running this, except the build
# tools from its own archive.  Cache: ${HOSTPIN_CACHE:-/var/cache/hostpin}.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
# shellcheck source=../tests/packaging/lib.sh
source tests/packaging/lib.sh

if [ "$(id -u)" -ne 0 ]; then
    echo "install-test: SKIPPED: needs root (dpkg-buildpackage's tools, debootstrap, chroot)"
    exit 0
fi
need=()
for p in dpkg-dev debhelper fakeroot lintian rpm debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

WORK=$(mktemp -d /tmp/hostpin-pkg.XXXXXX)
ROOT=$WORK/root
cleanup() {
    if mountpoint -q "$ROOT/proc" 2>/dev/null; then umount "$ROOT/proc" || umount -l "$ROOT/proc"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
step() { echo "== install-test: $* (${SECONDS}s)"; }
VERSION=$(sed -n '1s/^hostpin (\([^)]*\)).*/\1/p' packaging/debian/changelog)
ARCH=$(dpkg --print-architecture)

step "1. the .deb (dpkg-buildpackage -us -uc -b)"
hp_stage_source "$SRC" "$WORK/deb/hostpin-$VERSION"
cp -a packaging/debian "$WORK/deb/hostpin-$VERSION/debian"
dpkg-checkbuilddeps -Pnocheck "$WORK/deb/hostpin-$VERSION/debian/control" 2>/dev/null || {
    deps=$(dpkg-checkbuilddeps -Pnocheck "$WORK/deb/hostpin-$VERSION/debian/control" 2>&1 |
        sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g; s/|[^ ]*//g')
    echo "installing build dependencies: $deps"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $deps
}
# The suite has already run (scripts/test.sh); the package build does not
# run it a third time.
(cd "$WORK/deb/hostpin-$VERSION" &&
    DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
        nice dpkg-buildpackage -us -uc -b >"$WORK/deb/build.log" 2>&1) || {
    tail -n 40 "$WORK/deb/build.log"
    echo "install-test: dpkg-buildpackage failed" >&2
    exit 1
}
DEB=$WORK/deb/hostpin_${VERSION}_$ARCH.deb
dpkg-deb -c "$DEB"

step "lintian"
lintian --pedantic --info --display-experimental \
    "$WORK/deb/hostpin_${VERSION}_$ARCH.changes" 2>&1 |
    grep -v 'running with root privileges' | tee "$WORK/lintian.txt" || true
if grep -q '^E:' "$WORK/lintian.txt"; then
    echo "install-test: lintian reports errors" >&2
    exit 1
fi
echo "lintian: $(grep -c '^E:' "$WORK/lintian.txt") errors, $(grep -c '^W:' "$WORK/lintian.txt") warnings"

step "2. cmake --install DESTDIR=... gives the .deb's tree"
MODDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/ossl-modules
cmake -S "$WORK/deb/hostpin-$VERSION" -B "$WORK/cmake" -DHOSTPIN_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DHOSTPIN_MODULESDIR="$MODDIR" >/dev/null
nice cmake --build "$WORK/cmake" -j2 >/dev/null
DESTDIR=$WORK/destdir cmake --install "$WORK/cmake" >/dev/null
mkdir -p "$WORK/debtree"
dpkg-deb -x "$DEB" "$WORK/debtree"
# Debian compresses man pages and large documents and adds its own
# changelog and copyright; otherwise the trees must be equal.
tree() {
    (cd "$1" && find . ! -type d | sed 's:^\.::; s:\.gz$::' | sort |
        grep -v -x -e /usr/share/doc/hostpin/changelog -e /usr/share/doc/hostpin/copyright)
}
if ! diff <(tree "$WORK/debtree") <(tree "$WORK/destdir"); then
    echo "install-test: the .deb and cmake --install differ (< deb, > cmake)" >&2
    exit 1
fi
for f in $(tree "$WORK/destdir"); do
    case $f in
    */bin/* | *.so) continue ;;
    esac
    a=$WORK/debtree$f
    [ -f "$a" ] || a=$a.gz
    if ! cmp -s <(if [[ $a == *.gz ]]; then zcat "$a"; else cat "$a"; fi) "$WORK/destdir$f"; then
        echo "install-test: $f differs between the .deb and cmake --install" >&2
        exit 1
    fi
done
echo "same tree: $(tree "$WORK/destdir" | wc -l) files"

step "3. the RPM (rpmbuild -bb)"
mkdir -p "$WORK/rpm/SOURCES"
hp_stage_source "$SRC" "$WORK/rpm/hostpin-$VERSION"
tar -C "$WORK/rpm" -czf "$WORK/rpm/SOURCES/hostpin-$VERSION.tar.gz" "hostpin-$VERSION"
# This machine's rpm database knows none of the Debian packages that
# provide the build requirements: --nodeps.
nice rpmbuild -bb --nodeps --define "_topdir $WORK/rpm" \
    --define "_smp_mflags -j2" packaging/rpm/hostpin.spec >"$WORK/rpm/build.log" 2>&1 || {
    tail -n 40 "$WORK/rpm/build.log"
    echo "install-test: rpmbuild failed" >&2
    exit 1
}
RPM=$(find "$WORK/rpm/RPMS" -name "hostpin-$VERSION-*.rpm" ! -name '*debug*' | head -n 1)
rpm -qlp "$RPM"
rpm -qp --requires "$RPM" | grep -E 'libssl|libcrypto|libconfig' || true

step "4. a Debian 12 root (debootstrap --variant=minbase, cached)"
MIRROR=$(hp_mirror)
[ -n "$MIRROR" ] || { echo "install-test: no Debian mirror in this machine's apt sources" >&2; exit 1; }
mkdir -p "$HP_CACHE/debian-root"
TAR=$HP_CACHE/debian-root/bookworm-minbase-$ARCH.tar
exec 9>"$TAR.lock"
flock 9 # one debootstrap, even with several runs at once
if [ ! -s "$TAR" ]; then
    echo "creating $TAR from $MIRROR"
    rm -rf "${WORK:?}/boot"
    # curl is the client under test; openssl brings /etc/ssl/openssl.cnf.
    nice debootstrap --variant=minbase --include=curl,ca-certificates,openssl \
        bookworm "$WORK/boot" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
        tail -n 30 "$WORK/debootstrap.log"
        echo "install-test: debootstrap failed" >&2
        exit 1
    }
    # The lists apt needs to resolve hostpin's dependencies, kept with it.
    chroot "$WORK/boot" apt-get update -qq
    chroot "$WORK/boot" apt-get clean
    tar -C "$WORK/boot" -cf "$TAR.tmp" . && mv "$TAR.tmp" "$TAR"
    rm -rf "${WORK:?}/boot"
fi
exec 9>&-
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$TAR"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$ROOT/proc"
# Packages fetched for the root (hostpin's dependencies) are kept too.
mkdir -p "$HP_CACHE/debian-root/archives"
cp "$HP_CACHE/debian-root/archives/"*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null || true

step "installing the .deb into the root, enabling hostpin there"
HP_SRC=$SRC bash tests/packaging/install_root.sh "$ROOT" "$DEB"
cp "$ROOT/var/cache/apt/archives/"*.deb "$HP_CACHE/debian-root/archives/" 2>/dev/null || true
step "done"
echo "install-test: passed in ${SECONDS}s"
