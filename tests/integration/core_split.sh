#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The module's two halves (provider/core_api.h): hostpin.so is what every
# program loads; hostpin-core.so is loaded beside it on the first
# verification or hostpin: store use, never by a program that does neither.
# A missing or foreign core refuses verifications (fail-closed) with a
# message naming the file, allows them under fail-open, and hostpin status
# says why.  A program keeps the core that was there when it started, even
# if the file is replaced (a package upgrade) before it first verifies.
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib-gate.sh
. "$(dirname "$0")/lib-gate.sh"
hp_need openssl python3 readelf nm pgrep

PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
OUT=$HP_WORK/out
hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/ginter.pem")"
hp_cnf "$HP_WORK/whole.cnf" "$HP_WORK/pins.conf"

# The module alone, and the module beside a library that is not its core.
mkdir -p "$HP_WORK/alone" "$HP_WORK/foreign"
cp "$HP_MODULES/hostpin.so" "$HP_WORK/alone/"
cp "$HP_MODULES/hostpin.so" "$HP_WORK/foreign/"
cp "$HP_MODULES/hostpin.so" "$HP_WORK/foreign/hostpin-core.so"
HP_MODULES=$HP_WORK/alone hp_cnf "$HP_WORK/alone.cnf" "$HP_WORK/pins.conf"
HP_MODULES=$HP_WORK/alone hp_cnf "$HP_WORK/alone-open.cnf" "$HP_WORK/pins.conf" fail-open
HP_MODULES=$HP_WORK/foreign hp_cnf "$HP_WORK/foreign.cnf" "$HP_WORK/pins.conf"

s_client() { # CNF PORT HOST
    OPENSSL_CONF=$1 openssl s_client -connect "127.0.0.1:$2" -servername "$3" \
        -verify_hostname "$3" -verify_return_error -CAfile "$PKI/bundle.pem" \
        </dev/null >"$OUT" 2>&1
}
python_c() { # CNF PORT HOST
    OPENSSL_CONF=$1 python3 "$HP_SRC/tests/integration/pyclient.py" "$3" "$2" \
        "$PKI/bundle.pem" hostname >"$OUT" 2>&1
}

# Python links the system's libssl: against another OpenSSL
# (scripts/openssl-versions.sh) a core built for that one cannot load into
# it, so its cases would test nothing.
CLIENTS=(s_client)
pyssl=$(python3 -c 'import ssl; print(ssl.OPENSSL_VERSION.split()[1])')
if [ "$pyssl" = "$(openssl version | awk '{ print $2 }')" ]; then
    CLIENTS+=(python_c)
else
    echo "note: python3 uses OpenSSL $pyssl, not this one: its cases left out"
fi

# With both halves: the usual verdicts.
s_client "$HP_WORK/whole.cnf" "$GPORT" pinned.test &&
    hp_pass "both halves: genuine server reached" ||
    { hp_fail "both halves: genuine refused"; tail -n 5 "$OUT"; }
s_client "$HP_WORK/whole.cnf" "$IPORT" pinned.test &&
    hp_fail "both halves: impostor accepted" ||
    hp_pass "both halves: impostor refused"

# Which programs load the core: LD_DEBUG=files names every object opened.
loads_core() { # DESC EXPECT(yes|no) COMMAND...
    local desc=$1 expect=$2
    shift 2
    OPENSSL_CONF=$HP_WORK/whole.cnf LD_DEBUG=files "$@" </dev/null >"$OUT" 2>&1
    # The core is opened through the descriptor taken at start-up.
    if ! grep -q "file=$HP_MODULES/hostpin.so" "$OUT"; then
        hp_fail "$desc: hostpin.so was not loaded at all"
    elif grep -Eq "file=(/proc/self/fd/[0-9]+|$HP_MODULES/hostpin-core.so) \[0\];  dynamically loaded" "$OUT"; then
        [ "$expect" = yes ] && hp_pass "$desc: core loaded" ||
            hp_fail "$desc: core loaded by a program that does not need it"
    else
        [ "$expect" = no ] && hp_pass "$desc: core not loaded" ||
            hp_fail "$desc: core not loaded"
    fi
}
loads_core "openssl version -a" no openssl version -a
loads_core "openssl x509 (an OSSL_STORE file: load)" no \
    openssl x509 -in "$PKI/gleaf.pem" -noout -subject
[ ${#CLIENTS[@]} -eq 2 ] &&
    loads_core "python3 ssl.create_default_context()" no \
        python3 -c 'import ssl; ssl.create_default_context()'
loads_core "openssl s_client to a pinned host" yes \
    openssl s_client -connect "127.0.0.1:$GPORT" -servername pinned.test \
    -verify_hostname pinned.test -CAfile "$PKI/bundle.pem"
loads_core "openssl storeutl hostpin:" yes openssl storeutl hostpin:

# The core opens libconfig only to parse a pins file that has no current
# index, and json-c only to write a report (provider/lazy.c).
loads() { # DESC LIBRARY EXPECT(yes|no) CNF: s_client to the genuine server
    OPENSSL_CONF=$4 LD_DEBUG=files openssl s_client -connect "127.0.0.1:$GPORT" \
        -servername pinned.test -verify_hostname pinned.test -CAfile "$PKI/bundle.pem" \
        </dev/null >"$OUT" 2>&1
    if grep -Eq "file=[^ ]*$2[^ ]* \[0\];  (dynamically loaded|needed by)" "$OUT"; then
        [ "$3" = yes ] && hp_pass "$1: $2 loaded" || hp_fail "$1: $2 loaded, not needed"
    else
        [ "$3" = no ] && hp_pass "$1: $2 not loaded" || hp_fail "$1: $2 not loaded"
    fi
}
loads "a pins file with no index" libconfig yes "$HP_WORK/whole.cnf"
loads "a pins file with no index, no report" libjson-c no "$HP_WORK/whole.cnf"
"$HP_BIN/hostpin" index "$HP_WORK/pins.conf" >/dev/null
loads "a pins file with its index" libconfig no "$HP_WORK/whole.cnf"
rm -f "$HP_WORK/pins.conf.idx"
cat >"$HP_WORK/report.conf" <<EOT
version = 1;
mode = "report";
report = { file = "$HP_WORK/reports.json"; };
hosts = ( { host = "pinned.test"; pins = [ "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ]; } );
EOT
hp_settle "$HP_WORK/report.conf"
hp_cnf "$HP_WORK/report.cnf" "$HP_WORK/report.conf"
loads "a report written" libjson-c yes "$HP_WORK/report.cnf"
hp_has "... and the report is JSON" "$(head -c 300 "$HP_WORK/reports.json")" '"hostname":"pinned.test"'

# No core: fail-closed refuses, naming the file; fail-open allows.
for c in "${CLIENTS[@]}"; do
    $c "$HP_WORK/alone.cnf" "$GPORT" pinned.test &&
        hp_fail "no core: $c reached the genuine server" ||
        hp_pass "no core (fail-closed): $c refused"
    $c "$HP_WORK/alone-open.cnf" "$IPORT" pinned.test &&
        hp_pass "no core (fail-open): $c allowed" ||
        { hp_fail "no core (fail-open): $c refused"; tail -n 5 "$OUT"; }
done
s_client "$HP_WORK/alone.cnf" "$GPORT" free.test
grep -q "hostpin installation incomplete.*$HP_WORK/alone/hostpin-core.so" "$OUT" &&
    hp_pass "no core: the refusal names the missing file" ||
    { hp_fail "no core: message lacks the file"; grep -i hostpin "$OUT"; }
# The reason strings reach OpenSSL with the first error (provider.c): the
# library and reason are named, not lib(N) and reason(N).
grep -Eq "error:[0-9A-F]{8}:hostpin:[a-z_]+:hostpin installation incomplete:" "$OUT" &&
    hp_pass "no core: the first error names its library and reason" ||
    { hp_fail "no core: the error's library or reason is a number"; grep -i hostpin "$OUT"; }
grep -q "the same in syslog: hostpin log, and hostpin status)" "$OUT" &&
    hp_pass "no core: the refusal says where to read more" ||
    { hp_fail "no core: no hint at hostpin log"; grep -i hostpin "$OUT"; }
s_client "$HP_WORK/foreign.cnf" "$GPORT" pinned.test &&
    hp_fail "foreign core: genuine reached" || true
grep -q "not hostpin's core for this hostpin.so .* (no hostpin_core_init_v2; .*): $HP_WORK/foreign/hostpin-core.so" "$OUT" &&
    hp_pass "foreign core: refused, saying the file is not hostpin's core" ||
    { hp_fail "foreign core: message"; grep -i hostpin "$OUT"; }
OPENSSL_CONF=$HP_WORK/alone.cnf openssl storeutl hostpin: >"$OUT" 2>&1 &&
    hp_fail "no core: the store answered" ||
    { grep -q "hostpin installation incomplete" "$OUT" &&
        hp_pass "no core: the store refuses, saying why" ||
        { hp_fail "no core: store message"; cat "$OUT"; }; }

# A core that appears later (a package being unpacked) is picked up by a
# running program: every 64th verification without it tries again.
if [ ${#CLIENTS[@]} -eq 2 ]; then
    mkdir -p "$HP_WORK/later"
    cp "$HP_MODULES/hostpin.so" "$HP_WORK/later/"
    HP_MODULES=$HP_WORK/later hp_cnf "$HP_WORK/later.cnf" "$HP_WORK/pins.conf"
    at=$(OPENSSL_CONF=$HP_WORK/later.cnf python3 - "$GPORT" "$PKI/bundle.pem" \
        "$HP_MODULES/hostpin-core.so" "$HP_WORK/later/hostpin-core.so" <<'PY'
import shutil, socket, ssl, sys
port, ca, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
for i in range(200):
    ctx = ssl.create_default_context(cafile=ca)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="pinned.test"):
                pass
        print(i)
        break
    except ssl.SSLError:
        if i == 0:
            shutil.copy(src, dst)
else:
    print("never")
PY
)
    case $at in
    [1-9] | [1-6][0-9] | 70) hp_pass "core installed later: loaded by the running program (handshake $at)" ;;
    *) hp_fail "core installed later: not picked up ($at)" ;;
    esac
fi

# The core is replaced (as a package upgrade does: by rename) while
# programs wait to verify: they load the file they opened at start-up,
# not the new one (here not a core at all).  Clients go through a relay
# that holds the connection until released (lib-gate.sh).
# waiting NAME CNF PORT [PREFIX...]: hp_waiting under CNF.
waiting() {
    local name=$1 cnf=$2 port=$3
    shift 3
    hp_waiting "$name" "$port" "$PKI/bundle.pem" env OPENSSL_CONF="$cnf" "$@"
}
# replace DIR: a new file where the core was, by rename.
replace() {
    cp "$HP_MODULES/hostpin.so" "$1/hostpin-core.so.new"
    mv -f "$1/hostpin-core.so.new" "$1/hostpin-core.so"
}
U=$HP_WORK/upg
mkdir -p "$U"
cp "$HP_MODULES/hostpin.so" "$HP_MODULES/hostpin-core.so" "$U/"
HP_MODULES=$U hp_cnf "$HP_WORK/upg.cnf" "$HP_WORK/pins.conf"
waiting upg-genuine "$HP_WORK/upg.cnf" "$GPORT"
gpid=$WPID
waiting upg-impostor "$HP_WORK/upg.cnf" "$IPORT"
ipid=$WPID
hp_holds "$gpid" "$U/hostpin-core.so" && hp_holds "$ipid" "$U/hostpin-core.so" &&
    hp_pass "core replaced: waiting programs hold the core open since start-up" ||
    hp_fail "core replaced: the waiting programs do not hold $U/hostpin-core.so"
replace "$U"
hp_released upg-genuine "$gpid" "core replaced while waiting: the genuine server is reached" ok
hp_released upg-impostor "$ipid" "core replaced while waiting: the impostor is refused by the pins" \
    'certificate chain does not match the pins for "pinned.test"'
s_client "$HP_WORK/upg.cnf" "$GPORT" pinned.test
grep -q "not hostpin's core" "$OUT" &&
    hp_pass "core replaced: a program started after it gets the new file" ||
    { hp_fail "core replaced: a new program did not see the new file"; grep -i hostpin "$OUT"; }

# Without /proc (a chroot): the core is loaded by its path while that is
# still the file opened at start-up; once replaced, verifications are
# refused with a message that says to restart the program.
# The sanitizers' runtime cannot run without /proc: left out there.
if [[ ${LD_PRELOAD:-} == *libasan* ]]; then
    echo "note: the case without /proc left out under a preloaded ASan runtime (it needs /proc)"
elif [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
    unshare -m sh -c 'mount -t tmpfs none /proc' 2>/dev/null; then
    noproc=(unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' sh)
    cp "$HP_MODULES/hostpin-core.so" "$U/hostpin-core.so"
    waiting np-same "$HP_WORK/upg.cnf" "$GPORT" "${noproc[@]}"
    spid=$WPID
    waiting np-replaced "$HP_WORK/upg.cnf" "$GPORT" "${noproc[@]}"
    rpid=$WPID
    hp_holds "$spid" "$U/hostpin-core.so" && hp_holds "$rpid" "$U/hostpin-core.so" &&
        hp_pass "no /proc: the waiting programs hold the core open since start-up" ||
        hp_fail "no /proc: the waiting programs do not hold the core"
    hp_released np-same "$spid" "no /proc, core unchanged: loaded by its path, genuine reached" ok
    replace "$U"
    hp_released np-replaced "$rpid" "no /proc, core replaced: refused, saying to restart the program" \
        "restart the program: hostpin-core.so was replaced or removed since it started.*$U/hostpin-core.so"
else
    echo "note: no private mount namespace here (needs root and unshare): the case without /proc left out"
fi

# hostpin.so loaded by a relative path: the core's place is unknown.
mkdir -p "$HP_WORK/rel"
cp "$HP_MODULES/hostpin.so" "$HP_MODULES/hostpin-core.so" "$HP_WORK/rel/"
HP_MODULES=rel hp_cnf "$HP_WORK/rel.cnf" "$HP_WORK/pins.conf"
(cd "$HP_WORK" && OPENSSL_MODULES=. s_client "$HP_WORK/rel.cnf" "$GPORT" pinned.test) &&
    hp_fail "relative module path: verification allowed" ||
    { grep -q "name it by an absolute path" "$OUT" &&
        hp_pass "relative module path: refused, asking for an absolute path" ||
        { hp_fail "relative module path: message"; grep -i hostpin "$OUT"; }; }

# A pins path longer than a path can be is never cut to a shorter one.
long=$HP_WORK/$(printf 'd%.0s' $(seq 1 4200))/pins.conf
hp_cnf "$HP_WORK/long.cnf" "$long"
s_client "$HP_WORK/long.cnf" "$GPORT" pinned.test &&
    hp_fail "pins path too long: verification allowed" ||
    { grep -q "pins file unusable.*pins path too long" "$OUT" &&
        hp_pass "pins path too long: refused, saying so" ||
        { hp_fail "pins path too long: message"; grep -i hostpin "$OUT" | cut -c1-300; }; }

# hostpin status tells.
OPENSSL_CONF=$HP_WORK/alone.cnf "$HP_BIN/hostpin" status >"$OUT" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "^Core: .*cannot load.*alone/hostpin-core.so" "$OUT" &&
    grep -q "BROKEN: .*hostpin-core.so" "$OUT" &&
    hp_pass "status: exit 1, BROKEN, the core's error shown" ||
    { hp_fail "status with no core (exit $rc)"; cat "$OUT"; }
OPENSSL_CONF=$HP_WORK/whole.cnf "$HP_BIN/hostpin" status >"$OUT" 2>&1 &&
    ! grep -q "^Core:" "$OUT" && hp_pass "status: both halves, active" ||
    { hp_fail "status with both halves"; cat "$OUT"; }

# What each half exports and needs.
exports() { nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRW]$/ { print $3 }' | sort | tr '\n' ' '; }
[ "$(exports "$HP_MODULES/hostpin.so")" = "OSSL_provider_init " ] &&
    hp_pass "hostpin.so exports only OSSL_provider_init" ||
    hp_fail "hostpin.so exports: $(exports "$HP_MODULES/hostpin.so")"
[ "$(exports "$HP_MODULES/hostpin-core.so")" = "hostpin_core_init_v2 " ] &&
    hp_pass "hostpin-core.so exports only hostpin_core_init_v2" ||
    hp_fail "hostpin-core.so exports: $(exports "$HP_MODULES/hostpin-core.so")"
needed=$(readelf -d "$HP_MODULES/hostpin.so" | awk '/NEEDED/ { print $5 }' | tr -d '[]' | sort | tr '\n' ' ')
case $needed in
*config* | *json* | *ssl*) hp_fail "hostpin.so needs $needed" ;;
*) hp_pass "hostpin.so needs only $needed" ;;
esac
needed=$(readelf -d "$HP_MODULES/hostpin-core.so" | awk '/NEEDED/ { print $5 }' | tr -d '[]' | sort | tr '\n' ' ')
case $needed in
*config* | *json*) hp_fail "hostpin-core.so needs $needed" ;;
*) hp_pass "hostpin-core.so needs neither libconfig nor json-c: $needed" ;;
esac
# Every import is a lookup in every program at start-up (stub.h); the
# sanitizers' instrumentation adds their own.
if nm -D --undefined-only "$HP_MODULES/hostpin.so" | grep -q "__[at]san_"; then
    echo "note: import count not judged in a sanitizer build"
else
    n=$(nm -D --undefined-only "$HP_MODULES/hostpin.so" | grep -vc "__stack_chk_fail")
    [ "$n" -le 13 ] && hp_pass "hostpin.so imports $n functions (at most 13)" ||
        { hp_fail "hostpin.so imports $n functions"; nm -D --undefined-only "$HP_MODULES/hostpin.so"; }
fi
hp_done
