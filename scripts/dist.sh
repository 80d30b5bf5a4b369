#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hostpin-VERSION.tar.gz, the source both packages are built from
# (`cmake --build build --target dist` runs this).  It holds:
#   - the tree as git would commit it: tracked and new files, not ignored
#     ones (outside a git checkout, such as an unpacked tarball: every file
#     but build folders);
#   - debian/, a copy of packaging/debian: dpkg-buildpackage -b runs at
#     its top;
#   - hostpin.spec, packaging/rpm/hostpin.spec.in with the version and the
#     %changelog of packaging/debian/changelog: rpmbuild -tb TARBALL.
# VERSION is the top entry of packaging/debian/changelog, the one place it
# is written (cmake/HostpinVersion.cmake reads the same line).  The
# tarball is reproducible: names sorted, owner root, modes from the source
# files, every time the changelog entry's date.
#
# usage: scripts/dist.sh SRC OUTDIR   (prints the tarball's path)
set -euo pipefail
src=$(cd "${1:?source folder}" && pwd)
mkdir -p "${2:?output folder}"
out=$(cd "$2" && pwd)
changelog=$src/packaging/debian/changelog
version=$(sed -n '1s/^hostpin (\([0-9][0-9A-Za-z.+~]*\)) .*/\1/p' "$changelog")
[ -n "$version" ] || { echo "dist: $changelog: no version on its first line" >&2; exit 1; }
date=$(sed -n 's/^ -- .*>  //p' "$changelog" | head -n 1)
epoch=$(date -d "$date" +%s) || { echo "dist: $changelog: bad date '$date'" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/hostpin-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
top=$stage/hostpin-$version
mkdir -p "$top"

# The files, as NUL-separated paths relative to src; never the output
# folder, nor what the package builds leave at the top.
files() {
    local rel=
    case $out/ in "$src"/*) rel=${out#"$src"/} ;; esac
    if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$src" ls-files -z --cached --others --exclude-standard
    else
        (cd "$src" && find . -path ./.git -prune -o -type f -print0 | sed -z 's:^\./::')
    fi | while IFS= read -r -d '' f; do
        case $f in
        build*/* | obj-*/* | redhat-build/* | debian/* | hostpin.spec) continue ;;
        esac
        [ -n "$rel" ] && case $f in "$rel"/*) continue ;; esac
        [ -e "$src/$f" ] && printf '%s\0' "$f"
    done
}
files | tar -C "$src" --null -T - -cf - | tar -C "$top" -xf -
cp -a "$src/packaging/debian" "$top/debian"

# RPM's %changelog from Debian's: "* DAY MON DD YYYY WHO - VERSION-1",
# then "- " items (a % would start a macro: doubled).
awk '
    /^hostpin \(/ { v = $2; gsub(/[()]/, "", v); n = 0; next }
    /^  \* / { item[++n] = "- " substr($0, 5); next }
    /^    [^ ]/ && n > 0 { item[n] = item[n] "\n  " substr($0, 5); next }
    /^ -- / {
        line = substr($0, 5)
        i = index(line, ">  ")
        split(substr(line, i + 3), d, /[ ,]+/)
        printf "%s* %s %s %s %s %s - %s-1\n", sep, d[1], d[3], d[2], d[4],
            substr(line, 1, i), v
        for (j = 1; j <= n; j++) { gsub(/%/, "%%", item[j]); print item[j] }
        sep = "\n"
    }' "$changelog" >"$stage/rpm-changelog"
awk -v version="$version" -v clog="$stage/rpm-changelog" '
    $0 == "@HOSTPIN_RPM_CHANGELOG@" {
        while ((getline l < clog) > 0) print l
        next
    }
    { gsub(/@HOSTPIN_VERSION@/, version); print }' \
    "$src/packaging/rpm/hostpin.spec.in" >"$top/hostpin.spec"
if grep -q '@HOSTPIN_' "$top/hostpin.spec"; then
    echo "dist: packaging/rpm/hostpin.spec.in: a placeholder is left" >&2
    exit 1
fi

tarball=$out/hostpin-$version.tar.gz
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$epoch" --mode='u+rw,go=rX,go-w' --format=gnu \
    -cf - "hostpin-$version" | gzip -9 -n >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "$tarball"
