#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A long-running program picks up pins-file changes; invalid edits are
# logged once and change nothing.
. "$(dirname "$0")/lib.sh"
hp_need python3
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
OPENSSL_CONF=$HP_WORK/openssl.cnf HOSTPIN_DEBUG=$HP_WORK/debug.log \
    timeout 120 python3 "$HP_SRC/tests/integration/reload.py" "$GPORT" "$IPORT" \
    "$PKI/bundle.pem" "$HP_WORK/pins.conf" "$(hp_pin_of "$PKI/ginter.pem")" \
    "$(hp_pin_of "$PKI/iroot.pem")" && hp_pass "reload scenario" || hp_fail "reload scenario"
n=$(grep -c "\"x\" of host \"pinned.test\".*previous pins stay in force" "$HP_WORK/debug.log")
[ "$n" = 1 ] && hp_pass "an invalid edit is logged once (file:line and reason)" ||
    { hp_fail "invalid edit logged $n times"; cat "$HP_WORK/debug.log"; }
grep -q "pins.conf: cannot read pins file: No such file or directory; the previous pins stay in force" "$HP_WORK/debug.log" &&
    hp_pass "a removed file is logged and the previous pins stay" ||
    hp_fail "removed file not logged"
# Drop-in files are part of the pins file: editing, removing and adding
# one is picked up as well.
mkdir "$HP_WORK/pins.d"
printf 'version = 1;\nreload_interval = 1;\ninclude_dir = "pins.d";\n' >"$HP_WORK/main.conf"
hp_settle "$HP_WORK/main.conf"
hp_cnf "$HP_WORK/dropin.cnf" "$HP_WORK/main.conf"
OPENSSL_CONF=$HP_WORK/dropin.cnf timeout 120 python3 - "$GPORT" "$IPORT" "$PKI/bundle.pem" \
    "$HP_WORK/pins.d" "$(hp_pin_of "$PKI/ginter.pem")" "$(hp_pin_of "$PKI/iroot.pem")" <<'PY'
import os, sys
sys.path.insert(0, os.environ["HP_SRC"] + "/tests/integration")
from reach import wait_for as wait
gport, iport, cafile, d, gpin, ipin = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:7]
def put(name, pin):
    with open(os.path.join(d, name + ".tmp"), "w") as f:
        f.write(f'hosts = ( {{ host = "pinned.test"; pins = [ "sha256/{pin}" ]; }} );\n')
    os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name))
def wait_for(want):
    return wait(want, gport, iport, cafile, 10)
fails = 0
for desc, action, want in (
        ("drop-in added", lambda: put("a.conf", gpin), (True, False)),
        ("drop-in edited", lambda: put("a.conf", ipin), (False, True)),
        ("drop-in removed", lambda: os.remove(os.path.join(d, "a.conf")), (True, True)),
        ("another drop-in added", lambda: put("b.conf", gpin), (True, False))):
    action()
    ok = wait_for(want)
    fails += not ok
    print(("ok   - " if ok else "FAIL - ") + desc + ": picked up without restart")
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] && hp_pass "drop-in changes picked up" || hp_fail "drop-in changes"
# Files the pins come from besides the pins file, changed under a
# long-running client: each takes effect at the next reload.
# file_changes DESC CNF FILE A B PORT_A PORT_B NAME: FILE holds A (PORT_A
# reached, PORT_B not); rewritten in place with B, then A moved in with mv.
file_changes() {
    OPENSSL_CONF=$2 timeout 120 python3 - "$@" "$PKI/bundle.pem" <<'PY'
import os, shutil, sys
sys.path.insert(0, os.environ["HP_SRC"] + "/tests/integration")
from reach import wait_for
desc, _, target, a, b, pa, pb, name, cafile = sys.argv[1:10]
fails = 0
for step, src, want in (("as loaded", None, (True, False)),
                        ("rewritten in place", b, (False, True)),
                        ("replaced with mv", a, (True, False))):
    if src == b:
        shutil.copyfile(src, target)       # in place: settles after 2 s
    elif src is not None:
        shutil.copyfile(src, target + ".new")
        shutil.move(target + ".new", target)
    ok = wait_for(want, int(pa), int(pb), cafile, 15, name)
    fails += not ok
    print(("ok   - " if ok else "FAIL - ") + desc + " " + step +
          ": picked up without restart")
sys.exit(1 if fails else 0)
PY
}
# A `certs` file: the genuine intermediate, then the impostor's root.
cp "$PKI/ginter.pem" "$HP_WORK/key.pem"
printf 'version = 1;\nreload_interval = 1;\nhosts = ( { host = "pinned.test"; certs = [ "key.pem" ]; } );\n' \
    >"$HP_WORK/certs.conf"
hp_settle "$HP_WORK/key.pem" "$HP_WORK/certs.conf"
hp_cnf "$HP_WORK/certs.cnf" "$HP_WORK/certs.conf"
file_changes "certs file" "$HP_WORK/certs.cnf" "$HP_WORK/key.pem" "$PKI/ginter.pem" \
    "$PKI/iroot.pem" "$GPORT" "$IPORT" pinned.test &&
    hp_pass "certs file changes picked up" || hp_fail "certs file changes"
# An anchor file: two self-signed servers for internal.test, and the
# anchor that trusts one of them.
for n in sa sb; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/CN=internal.test" -addext "subjectAltName=DNS:internal.test" \
        -keyout "$HP_WORK/$n.key" -out "$HP_WORK/$n.pem" 2>/dev/null
    hp_server "$n" "$HP_WORK/$n.pem" "$HP_WORK/$n.key"
    eval "P_$n=\$HP_PORT"
done
cp "$HP_WORK/sa.pem" "$HP_WORK/anchor.pem"
printf 'version = 1;\nreload_interval = 1;\nhosts = ( { host = "internal.test"; anchors = [ "anchor.pem" ]; } );\n' \
    >"$HP_WORK/anchors.conf"
hp_settle "$HP_WORK/anchor.pem" "$HP_WORK/anchors.conf"
hp_cnf "$HP_WORK/anchors.cnf" "$HP_WORK/anchors.conf"
# shellcheck disable=SC2154 # P_sa and P_sb are set by the eval above
file_changes "anchor file" "$HP_WORK/anchors.cnf" "$HP_WORK/anchor.pem" "$HP_WORK/sa.pem" \
    "$HP_WORK/sb.pem" "$P_sa" "$P_sb" internal.test &&
    hp_pass "anchor file changes picked up" || hp_fail "anchor file changes"
hp_done
