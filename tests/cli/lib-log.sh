# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Refusals for the tests of hostpin log (sourced after lib-cli.sh): the
# test PKI and servers, a pins file and an openssl.cnf loading hostpin,
# and real clients refused by the impostor.

# hp_log_setup: PKI, servers, $PINS pinning pinned.test to the genuine
# intermediate, $CNF loading hostpin with it.
hp_log_setup() {
    P=$HP_WORK/pki
    hp_pki "$P"
    hp_start_servers "$P"
    INTER=$(hp_pin_of "$P/ginter.pem")
    ILEAF=$(hp_pin_of "$P/ileaf.pem")
    IROOT=$(hp_pin_of "$P/iroot.pem")
    PINS=$HP_WORK/pins.conf
    hp_pins "$PINS" pinned.test "$INTER"
    CNF=$HP_WORK/openssl.cnf
    hp_cnf "$CNF" "$PINS"
}

# hp_with_module CMD...: CMD able to load hostpin.so (sanitizer builds).
hp_with_module() {
    if [ -n "$HP_PRELOAD" ]; then
        LD_PRELOAD="$HP_PRELOAD" ASAN_OPTIONS=detect_leaks=0 "$@"
    else
        "$@"
    fi
}

# hp_refuse CLIENT [HOST] [CNF]: CLIENT (curl, python, s_client) connects
# to the impostor as HOST (default pinned.test) through CNF (default $CNF)
# and must fail; RC is its exit status.
hp_refuse() {
    local client=$1 host=${2:-pinned.test} cnf=${3:-$CNF}
    case $client in
    curl)
        OPENSSL_CONF=$cnf hp_run curl -sS --max-time 10 --cacert "$P/bundle.pem" \
            -o /dev/null --resolve "$host:$IPORT:127.0.0.1" "https://$host:$IPORT/" ;;
    python)
        OPENSSL_CONF=$cnf hp_run hp_with_module python3 \
            "$HP_SRC/tests/integration/pyclient.py" "$host" "$IPORT" \
            "$P/bundle.pem" hostname ;;
    s_client)
        OPENSSL_CONF=$cnf hp_run hp_openssl s_client -connect "127.0.0.1:$IPORT" \
            -servername "$host" -verify_hostname "$host" -verify_return_error \
            -CAfile "$P/bundle.pem" </dev/null ;;
    esac
}

# hp_log_clients: the clients this build can run (curl cannot run under
# a preloaded ASan runtime).
hp_log_clients() {
    if hp_cli_curl; then echo curl; fi
    printf '%s\n' python s_client
}

# hp_program CLIENT: the program name syslog records for CLIENT.
hp_program() {
    case $1 in
    python) echo python3 ;;
    s_client) echo openssl ;;
    *) echo "$1" ;;
    esac
}

# hp_wait_for FILE COUNT PATTERN: wait (bounded) until FILE holds COUNT
# lines with PATTERN.
hp_wait_for() {
    local f=$1 n=$2 pat=$3
    for _ in $(seq 1 100); do
        [ "$(grep -c -- "$pat" "$f" 2>/dev/null)" -ge "$n" ] && return 0
        sleep 0.05
    done
    return 1
}

# hp_check_entries DESC TEXT CLIENT...: `hostpin log` output TEXT shows a
# refusal by each CLIENT with the host, the impostor chain's pins and the
# configured pin.
hp_check_entries() {
    local desc=$1 text=$2 c prog block
    shift 2
    for c in "$@"; do
        prog=$(hp_program "$c")
        hp_has "$desc: $c's refusal, with the program and host" "$text" \
            "  $prog"
        block=$(awk -v p="$prog" '
            /^[0-9][0-9][0-9][0-9]-/ { on = index($0, "  " p "  ") || index($0, "  " p "[") }
            on' <<<"$text")
        hp_has "$desc: $c: refused pinned.test" "$block" "refused  pinned.test"
        hp_has "$desc: $c: the rule" "$block" "(rule $PINS:3, mode enforce)"
        hp_has "$desc: $c: the impostor's leaf pin" "$block" "chain: [0] sha256/$ILEAF /O=Impostor/CN=pinned.test"
        hp_has "$desc: $c: the impostor's root pin" "$block" "[1] sha256/$IROOT /O=Impostor/CN=Impostor Root"
        hp_has "$desc: $c: the configured pins" "$block" "pins:  "
        hp_has "$desc: $c: ... the genuine intermediate's" "$block" "sha256/$INTER"
        hp_has "$desc: $c: ... and the other" "$block" "$HP_ZERO_PIN"
    done
}
