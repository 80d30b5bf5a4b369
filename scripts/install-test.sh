#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The packages, built the way distributions build them, checked the way
# they check them, and a real installation, removal, upgrade and purge:
#   1. hostpin-VERSION.tar.gz (the dist target), and from it a second
#      release, VERSION+upgrade1, whose core has another interface (what
#      a running program must never load into its old hostpin.so);
#   2. the .deb and source package with dpkg-buildpackage, both versions;
#      lintian --pedantic -E -I reports nothing, blhc finds every hardening
#      flag on every compiler and linker line;
#   3. a `cmake --install` DESTDIR tree from the same tarball, compared
#      with the .deb's;
#   4. the RPM and source RPM with rpmbuild -ta from the same tarball,
#      Debian's hardening flags given as %{optflags} and %{build_ldflags}
#      (blhc checks they reach every object); rpmlint reports nothing
#      beyond packaging/rpm/rpmlint.toml's justified filters;
#   5. an isolated Debian 12 root (debootstrap --variant=minbase, cached):
#      install, enable, remove while enabled, reinstall, enable, upgrade
#      while programs wait to verify, purge (tests/packaging/
#      install_root.sh).
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
for p in dpkg-dev debhelper fakeroot lintian blhc rpm rpmlint file debootstrap \
    cmake python3; do
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
fail() { echo "install-test: $*" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)
MODDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/ossl-modules

step "1. hostpin-VERSION.tar.gz (cmake --build --target dist)"
cmake -S "$SRC" -B "$WORK/cmake" -DHOSTPIN_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DHOSTPIN_MODULESDIR="$MODDIR" >/dev/null
cmake --build "$WORK/cmake" --target dist
V1=$(sed -n '1s/^hostpin (\([^)]*\)).*/\1/p' packaging/debian/changelog)
TAR1=$WORK/cmake/hostpin-$V1.tar.gz
[ -f "$TAR1" ] || fail "the dist target made no $TAR1"
tar -tzf "$TAR1" >"$WORK/tar1.txt"
echo "$TAR1: $(wc -l <"$WORK/tar1.txt") entries"
grep -qx "hostpin-$V1/debian/control" "$WORK/tar1.txt" || fail "no debian/ in the tarball"
grep -qx "hostpin-$V1/hostpin.spec" "$WORK/tar1.txt" || fail "no hostpin.spec in the tarball"
cp "$TAR1" "$WORK/again.tar.gz"
cmake --build "$WORK/cmake" --target dist >/dev/null
cmp -s "$TAR1" "$WORK/again.tar.gz" || fail "the dist target is not reproducible"

# The next release: from the unpacked tarball (dist works outside git
# too), with a changelog entry of a higher version and the core's
# interface number one higher.
V2=$V1+upgrade1
mkdir -p "$WORK/next"
tar -C "$WORK/next" -xzf "$TAR1"
N=$WORK/next/hostpin-$V1
abi=$(sed -n 's/^#define HP_CORE_ABI \([0-9]*\)$/\1/p' "$N/provider/core_api.h")
[ -n "$abi" ] || fail "no HP_CORE_ABI in provider/core_api.h"
sed -i "s/^#define HP_CORE_ABI $abi\$/#define HP_CORE_ABI $((abi + 1))/;
        s/hostpin_core_init_v$abi\$/hostpin_core_init_v$((abi + 1))/" "$N/provider/core_api.h"
sed -i "s/hostpin_core_init_v$abi;/hostpin_core_init_v$((abi + 1));/" "$N/provider/hostpin-core.map"
grep -q "hostpin_core_init_v$((abi + 1))" "$N/provider/core_api.h" "$N/provider/hostpin-core.map" ||
    fail "could not change the core's interface for the second release"
{
    echo "hostpin ($V2) unstable; urgency=medium"
    echo
    echo "  * A later release, for the upgrade test: the core's interface changed."
    echo
    echo " -- hostpin maintainers <hostpin@example.org>  $(date -u -R)"
    echo
    cat "$N/packaging/debian/changelog"
} >"$N/changelog.new"
mv "$N/changelog.new" "$N/packaging/debian/changelog"
TAR2=$(bash "$N/scripts/dist.sh" "$N" "$WORK")
[ "$(basename "$TAR2")" = "hostpin-$V2.tar.gz" ] || fail "second tarball: $TAR2"

# deb_build TARBALL DIR [dpkg-buildpackage options]: unpack and build.
deb_build() {
    local tarball=$1 dir=$2 v
    shift 2
    v=$(basename "$tarball" .tar.gz)
    mkdir -p "$dir"
    tar -C "$dir" -xzf "$tarball"
    if ! dpkg-checkbuilddeps -Pnocheck "$dir/$v/debian/control" 2>/dev/null; then
        local deps
        deps=$(dpkg-checkbuilddeps -Pnocheck "$dir/$v/debian/control" 2>&1 |
            sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g; s/|[^ ]*//g')
        echo "installing build dependencies: $deps"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $deps
    fi
    # The suite has already run (scripts/test.sh); the package build does
    # not run it a third time.
    (cd "$dir/$v" && DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
        nice dpkg-buildpackage -us -uc "$@" >"$dir/build.log" 2>&1) || {
        tail -n 40 "$dir/build.log"
        fail "dpkg-buildpackage failed ($tarball)"
    }
}

step "2. the .deb and the source package of $V1 (dpkg-buildpackage -us -uc)"
deb_build "$TAR1" "$WORK/deb"
DEB=$WORK/deb/hostpin_${V1}_$ARCH.deb
dpkg-deb -c "$DEB"
step "lintian --pedantic -E -I"
lintian --pedantic -E -I "$WORK/deb/hostpin_${V1}_$ARCH.changes" 2>&1 |
    grep -v 'running with root privileges' >"$WORK/lintian.txt" || true
# Tags that an override file justifies are not shown; nothing else may be.
if [ -s "$WORK/lintian.txt" ]; then
    cat "$WORK/lintian.txt"
    fail "lintian reports tags (justify them in packaging/debian/*lintian-overrides, with a comment)"
fi
for o in packaging/debian/*lintian-overrides packaging/debian/source/lintian-overrides; do
    [ -f "$o" ] || continue
    # Every override follows a comment that says why.
    awk '/^#/ { why = 1; next } /^[^ \t]/ { if (!why) bad = 1; why = 0 } END { exit bad }' "$o" ||
        fail "$o: an override without a comment"
done
echo "lintian: nothing to report (source and binary packages, pedantic, experimental, info)"
step "blhc: hardening flags on every compiler and linker line"
blhc "$WORK/deb/build.log" || fail "blhc: flags missing in the .deb's build"
n=$(grep -c '/usr/bin/cc .* -c ' "$WORK/deb/build.log" || true)
[ "$n" -gt 0 ] || fail "no compiler line in the build log (not verbose?)"
echo "blhc: clean ($n compiler lines)"

step "the .deb of $V2"
deb_build "$TAR2" "$WORK/deb2" -b
DEB2=$WORK/deb2/hostpin_${V2}_$ARCH.deb
[ -f "$DEB2" ] || fail "no $DEB2"

step "3. cmake --install DESTDIR=... gives the .deb's tree"
# Built with plain CMake from the same tarball.
mkdir -p "$WORK/plain"
tar -C "$WORK/plain" -xzf "$TAR1"
cmake -S "$WORK/plain/hostpin-$V1" -B "$WORK/plain/build" -DHOSTPIN_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DHOSTPIN_MODULESDIR="$MODDIR" >/dev/null
nice cmake --build "$WORK/plain/build" -j2 >/dev/null
DESTDIR=$WORK/destdir cmake --install "$WORK/plain/build" >/dev/null
mkdir -p "$WORK/debtree"
dpkg-deb -x "$DEB" "$WORK/debtree"
# Debian compresses man pages and large documents and adds its own
# changelog and copyright; otherwise the trees must be equal.
tree() {
    (cd "$1" && find . ! -type d | sed 's:^\.::; s:\.gz$::' | sort |
        grep -v -x -e /usr/share/doc/hostpin/changelog -e /usr/share/doc/hostpin/copyright)
}
if ! diff <(tree "$WORK/debtree") <(tree "$WORK/destdir"); then
    fail "the .deb and cmake --install differ (< deb, > cmake)"
fi
for f in $(tree "$WORK/destdir"); do
    case $f in
    */bin/* | *.so) continue ;;
    esac
    a=$WORK/debtree$f
    [ -f "$a" ] || a=$a.gz
    if ! cmp -s <(if [[ $a == *.gz ]]; then zcat "$a"; else cat "$a"; fi) "$WORK/destdir$f"; then
        fail "$f differs between the .deb and cmake --install"
    fi
done
echo "same tree: $(tree "$WORK/destdir" | wc -l) files"

step "4. the RPM and source RPM (rpmbuild -ta $(basename "$TAR1"))"
mkdir -p "$WORK/rpm"
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS_H="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS_H=$(dpkg-buildflags --get LDFLAGS)
# This machine's rpm database knows none of the Debian packages that
# provide the build requirements: --nodeps.  Debian's rpm runs
# brp-compress, a bash script, with dash, which cannot: bash runs it here,
# as on Fedora (whose /bin/sh is bash).
nice rpmbuild -ta --nodeps --define "_topdir $WORK/rpm" --define "_smp_mflags -j2" \
    --define "optflags $CFLAGS_H" --define "build_ldflags $LDFLAGS_H" \
    --define '__os_install_post bash /usr/lib/rpm/brp-compress %{_prefix}; /usr/lib/rpm/brp-strip %{__strip}' \
    "$TAR1" >"$WORK/rpm/build.log" 2>&1 || {
    tail -n 40 "$WORK/rpm/build.log"
    fail "rpmbuild failed"
}
RPM=$(find "$WORK/rpm/RPMS" -name "hostpin-$V1-*.rpm" ! -name '*debug*' | head -n 1)
SRPM=$(find "$WORK/rpm/SRPMS" -name "hostpin-$V1-*.src.rpm" | head -n 1)
[ -f "$RPM" ] && [ -f "$SRPM" ] || fail "rpmbuild made no RPM or source RPM"
rpm -qlp "$RPM" | tee "$WORK/rpm/files.txt"
rpm -qp --requires "$RPM" | grep -E 'libssl|libcrypto|libconfig' || true
grep -qx -e "/usr/share/licenses/hostpin-$V1/LICENSE" -e /usr/share/licenses/hostpin/LICENSE \
    "$WORK/rpm/files.txt" || fail "the RPM lacks %license LICENSE"
rpm -qp --scripts "$RPM" >"$WORK/rpm/scripts.txt"
grep -q 'hostpin disable' "$WORK/rpm/scripts.txt" || fail "the RPM's %preun does not disable hostpin"
# blhc reads Debian build logs: the RPM's, with Debian's flags, gets the
# header line it starts from.
{ echo "dpkg-buildpackage: info: host architecture $ARCH"; cat "$WORK/rpm/build.log"; } >"$WORK/rpm/blhc.log"
blhc "$WORK/rpm/blhc.log" || fail "blhc: %{optflags} or %{build_ldflags} missing in the RPM's build"
echo "blhc (RPM): clean ($(grep -c '/usr/bin/cc .* -c ' "$WORK/rpm/build.log") compiler lines)"
step "rpmlint"
tar -C "$WORK/rpm" -xzf "$TAR1" "hostpin-$V1/hostpin.spec"
rpmlint -c packaging/rpm/rpmlint.toml "$WORK/rpm/hostpin-$V1/hostpin.spec" "$SRPM" "$RPM" \
    >"$WORK/rpmlint.txt" 2>&1 || true
cat "$WORK/rpmlint.txt"
# Every message is a line "NAME: X: tag ..."; none may be left, and the
# summary says so.
if grep -E '^[^ ]+: [EW]: ' "$WORK/rpmlint.txt" ||
    ! grep -q ' 0 errors, 0 warnings' "$WORK/rpmlint.txt"; then
    fail "rpmlint reports more than packaging/rpm/rpmlint.toml justifies"
fi

step "5. a Debian 12 root (debootstrap --variant=minbase, cached)"
MIRROR=$(hp_mirror)
[ -n "$MIRROR" ] || fail "no Debian mirror in this machine's apt sources"
mkdir -p "$HP_CACHE/debian-root"
# curl and Python are clients under test; openssl brings
# /etc/ssl/openssl.cnf.
INCLUDE=curl,ca-certificates,openssl,python3-minimal
TAR=$HP_CACHE/debian-root/bookworm-minbase-$ARCH-${INCLUDE//,/-}.tar
exec 9>"$TAR.lock"
flock 9 # one debootstrap, even with several runs at once
if [ ! -s "$TAR" ]; then
    echo "creating $TAR from $MIRROR"
    rm -rf "${WORK:?}/boot"
    nice debootstrap --variant=minbase --include="$INCLUDE" \
        bookworm "$WORK/boot" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
        tail -n 30 "$WORK/debootstrap.log"
        fail "debootstrap failed"
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

step "install, enable, remove, reinstall, upgrade, purge in the root"
HP_SRC=$SRC bash tests/packaging/install_root.sh "$ROOT" "$DEB" "$DEB2"
cp "$ROOT/var/cache/apt/archives/"*.deb "$HP_CACHE/debian-root/archives/" 2>/dev/null || true
step "done"
echo "install-test: passed in ${SECONDS}s"
