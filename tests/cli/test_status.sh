#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin status: active or not for an OPENSSL_CONF with and without the
# provider, a broken pins file, a module that cannot load, a missing
# configuration; each verdict checked against what a real client does.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

[ -f "$HP_MODULES/hostpin.so" ] || {
    echo "the module is not built: $HP_MODULES/hostpin.so" >&2
    exit 1
}
P=$HP_WORK/pki
hp_pki "$P"
hp_start_servers "$P"
INTER=$(hp_pin_of "$P/ginter.pem")
F=$HP_WORK/pins.conf
soon=$(date -u -d '+40 days' +%F)
hp_pins_text "$F" 'version = 1;' 'hosts = (' \
    "  { host = \"pinned.test\"; pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ];" \
    "    expires = \"2099-12-31\"; }," \
    "  { host = \"api.pinned.test\"; include_subdomains = true; mode = \"report\";" \
    "    pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ]; expires = \"$soon\"; }," \
    "  { host = \"old.test\"; pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ];" \
    "    expires = \"2020-01-01\"; }" ');'

# client CNF PORT: what a real, unmodified client does with this config.
client() {
    OPENSSL_CONF=$1 hp_run hp_openssl s_client -connect "127.0.0.1:$2" \
        -servername pinned.test -verify_hostname pinned.test \
        -CAfile "$P/bundle.pem" -verify_return_error </dev/null
}
status() { # status CNF [ARGS...]
    local c=$1
    shift
    OPENSSL_CONF=$c hp_run "$HOSTPIN" status "$@"
}

# Active.
hp_cnf "$HP_WORK/on.cnf" "$F"
status "$HP_WORK/on.cnf"
hp_is "active: exit 0" 0 "$RC"
hp_has "active: which configuration" "$OUT" \
    "Configuration:  $HP_WORK/on.cnf (from OPENSSL_CONF)"
hp_has "active: listed" "$OUT" \
    "Provider:       listed as \"hostpin\" in [hostpin_sect], module $HP_MODULES/hostpin.so, activate = 1"
hp_has "active: really active" "$OUT" "Active:         yes, hostpin "
hp_has "active: hook" "$OUT" "verification hook installed"
hp_has "active: pins file" "$OUT" "Pins file:      $F (on_error = fail-closed)"
hp_has "active: hosts and modes" "$OUT" \
    "Pins:           valid: 3 hosts (2 enforce, 1 report), 1 with include_subdomains, 1 expired"
hp_has "active: earliest expiry of a rule in force" "$OUT" \
    "Earliest expiry: $soon, host \"api.pinned.test\" ($F:5)"
hp_has "active: verdict" "$OUT" "Status:         ACTIVE"
client "$HP_WORK/on.cnf" "$IPORT"
hp_is "active, confirmed: a client refuses the impostor" 1 "$RC"
hp_has "active, confirmed: by hostpin" "$OUT$ERR" "certificate chain does not match the pins"
client "$HP_WORK/on.cnf" "$GPORT"
hp_is "active, confirmed: a client accepts the genuine server" 0 "$RC"

status "$HP_WORK/on.cnf" --json
hp_is "active, json: exit 0" 0 "$RC"
hp_json_ok "active" "$OUT"
hp_has "active, json: active" "$OUT" '"active": true,'
hp_has "active, json: hosts" "$OUT" '"hosts": 3,'
hp_has "active, json: earliest expiry" "$OUT" "\"earliest_expiry\": \"$soon\""

# Inactive: a configuration without the provider.
printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' \
    'providers = provider_sect' '[provider_sect]' 'default = default_sect' \
    '[default_sect]' 'activate = 1' >"$HP_WORK/off.cnf"
status "$HP_WORK/off.cnf"
hp_is "inactive: exit 1" 1 "$RC"
hp_has "inactive: not listed" "$OUT" "Provider:       not listed in this configuration"
hp_has "inactive: not active" "$OUT" "Active:         no"
hp_has "inactive: verdict" "$OUT" \
    "Status:         INACTIVE: this configuration does not load the hostpin provider; see hostpin(7) to enable it"
hp_has "inactive: the default pins file" "$OUT" "/etc/hostpin/pins.conf (the default; "
client "$HP_WORK/off.cnf" "$IPORT"
hp_is "inactive, confirmed: a client accepts the impostor" 0 "$RC"
status "$HP_WORK/off.cnf" --json
hp_json_ok "inactive" "$OUT"
hp_has "inactive, json" "$OUT" '"active": false,'
hp_has "inactive, json: not listed" "$OUT" '"listed": false,'

# Broken pins file: listed and loaded, but every verification fails.
hp_pins_text "$HP_WORK/broken.conf" 'version = 1;' 'hosts = (' \
    '  { host = "pinned.test"; pins = [ "sha256/nope" ]; }' ');'
hp_cnf "$HP_WORK/broken.cnf" "$HP_WORK/broken.conf"
status "$HP_WORK/broken.cnf"
hp_is "broken pins file: exit 1" 1 "$RC"
hp_has "broken pins file: provider active" "$OUT" "Active:         yes"
hp_has "broken pins file: the error, file:line" "$OUT" \
    "Pins:           INVALID: $HP_WORK/broken.conf:3: pin \"sha256/nope\" of host \"pinned.test\""
hp_has "broken pins file: consequence" "$OUT" \
    "BROKEN: the pins file is unusable, so every TLS client verification fails (on_error = fail-closed); run hostpin lint"
client "$HP_WORK/broken.cnf" "$GPORT"
hp_is "broken, confirmed: a client fails even the genuine server" 1 "$RC"
hp_cnf "$HP_WORK/open.cnf" "$HP_WORK/broken.conf" fail-open
status "$HP_WORK/open.cnf"
hp_is "broken pins file, fail-open: exit 1" 1 "$RC"
hp_has "broken pins file, fail-open" "$OUT" "fail-open, so nothing is pinned"
status "$HP_WORK/broken.cnf" --json
hp_json_ok "broken" "$OUT"
hp_has "broken, json: pins invalid" "$OUT" '"pins_valid": false,'
hp_has "broken, json: inactive" "$OUT" '"active": false,'

# Listed, but the module cannot be loaded: OpenSSL ignores it silently.
sed "s|^module = .*|module = $HP_WORK/nothere.so|" "$HP_WORK/on.cnf" >"$HP_WORK/nomod.cnf"
status "$HP_WORK/nomod.cnf"
hp_is "missing module: exit 1" 1 "$RC"
hp_has "missing module: listed" "$OUT" "module $HP_WORK/nothere.so"
hp_has "missing module: the loader's error" "$OUT" "cannot open shared object file"
hp_has "missing module: verdict" "$OUT" "INACTIVE: hostpin is listed but OpenSSL did not activate it"
client "$HP_WORK/nomod.cnf" "$IPORT"
hp_is "missing module, confirmed: a client accepts the impostor" 0 "$RC"

# Listed without activate = 1.
sed '/^\[hostpin_sect\]$/,$ {/^activate = 1$/d}' "$HP_WORK/on.cnf" >"$HP_WORK/noact.cnf"
status "$HP_WORK/noact.cnf"
hp_is "not activated: exit 1" 1 "$RC"
hp_has "not activated: verdict" "$OUT" "its section has no \`activate = 1\`"

# A configuration file that does not exist.
status "$HP_WORK/none.cnf"
hp_is "missing configuration: exit 1" 1 "$RC"
hp_has "missing configuration" "$OUT" "none.cnf (from OPENSSL_CONF): does not exist or cannot be read"

# Without OPENSSL_CONF: OpenSSL's own default file is the one named.
hp_run "$HOSTPIN" status
hp_has "default configuration: named" "$OUT" \
    "$(openssl version -d | sed 's/^OPENSSLDIR: "\(.*\)"$/\1/')/openssl.cnf (OpenSSL's default)"

hp_done
