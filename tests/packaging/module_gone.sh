#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What every OpenSSL program does when openssl.cnf names a hostpin module
# that is gone (the package removed while hostpin was enabled), with
# Debian 12's openssl.cnf (config_diagnostics = 1) and with this OpenSSL's
# own file: the provider fails to activate, which OpenSSL counts as a
# non-fatal error (provider_conf_load: "0 for non-fatal activation
# failure"), so programs start and run with the default provider, and
# nothing is pinned, silently.  That is why removing the package runs
# `hostpin disable` (packaging/debian/hostpin.prerm, the spec's %preun):
# the configuration then says what the machine does.  `hostpin status`
# tells, and `hostpin disable` still gives the file back byte for byte.
# shellcheck source-path=SCRIPTDIR source=../cli/lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

W=$HP_WORK
P=$W/pki
hp_pki "$P"
hp_start_servers "$P"
PINS=$W/pins.conf
hp_pins "$PINS" pinned.test "$(hp_pin_of "$P/ginter.pem")"

# curl and Python link the system's libssl: against another OpenSSL
# (scripts/openssl-versions.sh) they would not read this one's files.
ver=$(hp_openssl version | awk '{ print $2 }')
CLIENTS=(s_client)
if hp_curl_usable && command -v curl >/dev/null &&
    curl --version | head -n 1 | grep -q "OpenSSL/$ver"; then
    CLIENTS+=(curl)
fi
if command -v python3 >/dev/null &&
    [ "$(python3 -c 'import ssl; print(ssl.OPENSSL_VERSION.split()[1])')" = "$ver" ]; then
    CLIENTS+=(python)
fi
echo "clients: ${CLIENTS[*]}"

# reach CLIENT CNF PORT: the client verifies pinned.test at PORT under CNF;
# RC and OUT (stdout and stderr).
reach() {
    local c=$1 cnf=$2 port=$3
    case $c in
    s_client)
        OPENSSL_CONF=$cnf hp_run hp_openssl s_client -connect "127.0.0.1:$port" \
            -servername pinned.test -verify_hostname pinned.test \
            -CAfile "$P/bundle.pem" -verify_return_error </dev/null ;;
    curl)
        OPENSSL_CONF=$cnf hp_run curl -sS --max-time 10 --cacert "$P/bundle.pem" \
            -o /dev/null --resolve "pinned.test:$port:127.0.0.1" \
            "https://pinned.test:$port/" ;;
    python)
        OPENSSL_CONF=$cnf hp_run python3 "$HP_SRC/tests/integration/pyclient.py" \
            pinned.test "$port" "$P/bundle.pem" hostname ;;
    esac
    OUT="$OUT
$ERR"
}

check_file() { # NAME FILE
    local name=$1 C=$W/$1.cnf mods=$W/$1-modules
    cp "$2" "$C"
    cp -p "$C" "$W/$name.orig"
    hp_is "$name: config_diagnostics = 1, as OpenSSL ships it" 1 \
        "$(grep -c '^config_diagnostics *= *1' "$C")"
    mkdir -p "$mods"
    cp "$HP_MODULES/hostpin.so" "$HP_MODULES/hostpin-core.so" "$mods/"
    hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$PINS" \
        --module "$mods/hostpin.so"
    hp_is "$name: enable" 0 "$RC"
    reach s_client "$C" "$IPORT"
    hp_is "$name: enabled, the impostor is refused" 1 "$RC"

    # The package is removed; openssl.cnf still names its module.
    rm -rf "$mods"
    OPENSSL_CONF=$C hp_run hp_openssl version
    hp_is "$name, module gone: openssl version runs" 0 "$RC"
    hp_is "$name, module gone: and says nothing on stderr" "" "$ERR"
    OPENSSL_CONF=$C hp_run hp_openssl list -providers
    hp_is "$name, module gone: openssl list -providers runs" 0 "$RC"
    hp_is "$name, module gone: only default is active" "default" \
        "$(sed -n 's/^  \([a-z][a-z0-9_]*\)$/\1/p' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
    OPENSSL_CONF=$C hp_run hp_openssl dgst -sha256 "$PINS"
    hp_is "$name, module gone: openssl dgst works (default provider)" 0 "$RC"
    local c
    for c in "${CLIENTS[@]}"; do
        reach "$c" "$C" "$GPORT"
        hp_is "$name, module gone: $c reaches the genuine server" 0 "$RC"
        reach "$c" "$C" "$IPORT"
        hp_is "$name, module gone: $c reaches the impostor too (nothing pinned)" 0 "$RC"
        hp_lacks "$name, module gone: $c says nothing of hostpin" "$OUT" hostpin
    done
    OPENSSL_CONF=$C hp_run "$HOSTPIN" status
    hp_is "$name, module gone: hostpin status exits 1" 1 "$RC"
    hp_has "$name, module gone: hostpin status says why" "$OUT" \
        "INACTIVE: hostpin is listed but OpenSSL did not activate it"
    hp_run "$HOSTPIN" disable --openssl-cnf "$C"
    hp_is "$name, module gone: hostpin disable" 0 "$RC"
    if cmp -s "$W/$name.orig" "$C"; then
        hp_pass "$name, module gone: disable gives the file back byte for byte"
    else
        hp_fail "$name, module gone: file differs after disable"
    fi
}

check_file debian "$HP_SRC/tests/packaging/debian-openssl.cnf"
own=$(hp_openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/openssl.cnf
if [ -f "$own" ]; then
    check_file own "$own"
else
    echo "note: this OpenSSL has no $own"
fi
hp_done
