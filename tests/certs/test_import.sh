#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin import: each format round-trips (import, then `hostpin check`
# against the genuine and the impostor server, and once through a real
# client with the module), and malformed or inexpressible inputs are
# refused with a message that says where and what, printing nothing.
# shellcheck source-path=SCRIPTDIR source=lib-certs.sh
source "$HP_SRC/tests/certs/lib-certs.sh"

HP_PKI=$HP_WORK/pki
hp_pki "$HP_PKI"
hp_start_servers "$HP_PKI"
P=$HP_PKI
LEAF=$(hp_pin_of "$P/gleaf.pem")
INTER=$(hp_pin_of "$P/ginter.pem")
ZERO=${HP_ZERO_PIN#sha256/}
TLS=(--cafile "$P/bundle.pem" --connect 127.0.0.1)
D=$HP_WORK/in
mkdir -p "$D"

# import FORMAT FILE: run it; sets RC, OUT, ERR and writes OUT to FILE.conf
import() {
    hp_run "$HOSTPIN" import --from "$1" "$2"
    printf '%s\n' "$OUT" >"$2.conf"
    hp_settle "$2.conf"
    IMPORTED=$OUT
}

# roundtrip DESC FORMAT FILE: import succeeds, the result is a valid pins
# file, and check admits the genuine and refuses the impostor server for
# pinned.test and (include_subdomains) api.pinned.test.  IMPORTED keeps
# the imported text.
roundtrip() {
    local desc=$1 fmt=$2 f=$3
    import "$fmt" "$f"
    hp_is "$desc: import exit status" 0 "$RC"
    hp_is "$desc: nothing on stderr" "" "$ERR"
    hp_expect "$desc: lint" 0 "valid, " "$HOSTPIN" lint "$f.conf"
    hp_expect "$desc: check, genuine" 0 "OK: the key at depth 0" \
        "$HOSTPIN" check --pins "$f.conf" "${TLS[@]}" "pinned.test:$GPORT"
    hp_expect "$desc: check, impostor" 1 "FAIL: no certificate of the built chain has a pinned key" \
        "$HOSTPIN" check --pins "$f.conf" "${TLS[@]}" "pinned.test:$IPORT"
    hp_expect "$desc: check, impostor for a subdomain" 1 "FAIL:" \
        "$HOSTPIN" check --pins "$f.conf" "${TLS[@]}" "api.pinned.test:$IPORT"
}

# --- OutSystems pinning.json ---------------------------------------------
cat >"$D/pinning.json" <<JSON
{
    "hosts": [{
        "host": "pinned.test",
        "hashes": [
            "sha256/$LEAF",
            "sha256/$ZERO"
        ]
    },{
        "host": "api.pinned.test",
        "hashes": [ "sha256/$LEAF", "sha256/$INTER" ]
    }]
}
JSON
roundtrip outsystems outsystems "$D/pinning.json"
hp_has "outsystems: the host block" "$IMPORTED" "  {
    host = \"pinned.test\";
    pins = [ \"sha256/$LEAF\",
             \"sha256/$ZERO\" ];
  },"
hp_has "outsystems: says where it came from" "$IMPORTED" \
    "# Pins imported by: hostpin import --from outsystems $D/pinning.json"
# Through the module and an unmodified client, with the imported file.
hp_cnf "$HP_WORK/os.cnf" "$D/pinning.json.conf"
hp_admits "outsystems import in force: genuine" "$HP_WORK/os.cnf" "$GPORT"
hp_refuses "outsystems import in force: impostor" "$HP_WORK/os.cnf" "$IPORT" \
    'certificate chain does not match the pins for "pinned.test"'
# Standard input.
hp_run "$HOSTPIN" import --from outsystems - <"$D/pinning.json"
hp_is "outsystems from standard input: exit status" 0 "$RC"
hp_has "outsystems from standard input: named so" "$OUT" "--from outsystems (standard input)"

# --- Android network security config ------------------------------------
cat >"$D/nsc.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <base-config cleartextTrafficPermitted="false" />
    <domain-config>
        <domain includeSubdomains="true">pinned.test</domain>
        <pin-set expiration="2099-01-01">
            <pin digest="SHA-256">$LEAF</pin>
            <!-- backup pin -->
            <pin digest="SHA-256">$ZERO</pin>
        </pin-set>
        <domain-config>
            <domain>inherits.test</domain>
        </domain-config>
    </domain-config>
    <domain-config cleartextTrafficPermitted="true">
        <domain>plain.test</domain>
    </domain-config>
    <debug-overrides><trust-anchors><certificates src="user" overridePins="true"/></trust-anchors></debug-overrides>
</network-security-config>
XML
roundtrip android-nsc android-nsc "$D/nsc.xml"
hp_has "android-nsc: includeSubdomains and expiration" "$IMPORTED" "    host = \"pinned.test\";
    include_subdomains = true;
    pins = [ \"sha256/$LEAF\",
             \"sha256/$ZERO\" ];
    expires = \"2099-01-01\";"
hp_has "android-nsc: a nested domain-config inherits the pin-set" "$IMPORTED" "    host = \"inherits.test\";
    pins = [ \"sha256/$LEAF\","
hp_has "android-nsc: a domain without pins is noted, not pinned" "$IMPORTED" \
    "# Not imported: plain.test (line 16): no pin-set, not pinned"
hp_lacks "android-nsc: plain.test is not pinned" "$IMPORTED" 'host = "plain.test"'
hp_has "android-nsc: debug-overrides noted" "$IMPORTED" "# Not imported: debug-overrides at line 18"

# --- TrustKit Info.plist -----------------------------------------------
tsk() { # tsk FILE ENFORCE: an Info.plist with a TSKConfiguration
    cat >"$1" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>CFBundleName</key>
    <string>Demo</string>
    <key>TSKConfiguration</key>
    <dict>
        <key>TSKSwizzleNetworkDelegates</key>
        <true/>
        <key>TSKPinnedDomains</key>
        <dict>
            <key>pinned.test</key>
            <dict>
                <key>TSKExpirationDate</key>
                <string>2099-12-01</string>
                <key>TSKPublicKeyHashes</key>
                <array>
                    <string>$LEAF</string>
                    <string>$ZERO</string>
                </array>
                <key>TSKEnforcePinning</key>
                <$2/>
                <key>TSKIncludeSubdomains</key>
                <true/>
                <key>TSKReportUris</key>
                <array><string>https://report.example/log</string></array>
            </dict>
        </dict>
    </dict>
</dict>
</plist>
PLIST
}
tsk "$D/Info.plist" true
roundtrip trustkit trustkit "$D/Info.plist"
hp_has "trustkit: settings" "$IMPORTED" "    host = \"pinned.test\";
    include_subdomains = true;
    pins = [ \"sha256/$LEAF\",
             \"sha256/$ZERO\" ];
    expires = \"2099-12-01\";
  }"
hp_has "trustkit: report URIs noted" "$IMPORTED" "# Not imported: TSKReportUris of pinned.test"
tsk "$D/Report.plist" false
import trustkit "$D/Report.plist"
hp_is "trustkit, TSKEnforcePinning false: exit status" 0 "$RC"
hp_has "trustkit, TSKEnforcePinning false: report mode" "$OUT" '    mode = "report";'
hp_expect "trustkit, report mode: check still tells the mismatch" 1 "report" \
    "$HOSTPIN" check --pins "$D/Report.plist.conf" "${TLS[@]}" "pinned.test:$IPORT"

# --- react-native-ssl-public-key-pinning options -------------------------
cat >"$D/rn.json" <<JSON
{
  "pinned.test": {
    "includeSubdomains": true,
    "publicKeyHashes": ["$LEAF", "$ZERO"],
    "expirationDate": "2099-12-31"
  }
}
JSON
roundtrip react-native react-native "$D/rn.json"
hp_has "react-native: settings" "$IMPORTED" "    include_subdomains = true;
    pins = [ \"sha256/$LEAF\",
             \"sha256/$ZERO\" ];
    expires = \"2099-12-31\";"

# --- refusals --------------------------------------------------------------
# refused DESC FORMAT MESSAGE TEXT: exit 1, the message, nothing on stdout.
n=0
refused() {
    local desc=$1 fmt=$2 msg=$3 text=$4
    n=$((n + 1))
    printf '%s\n' "$text" >"$D/bad$n"
    hp_run "$HOSTPIN" import --from "$fmt" "$D/bad$n"
    hp_is "$fmt, $desc: exit status" 1 "$RC"
    hp_has "$fmt, $desc: names the input" "$ERR" "hostpin import: $D/bad$n: "
    hp_has "$fmt, $desc: message" "$ERR" "$msg"
    hp_is "$fmt, $desc: nothing printed" "" "$OUT"
}
GOOD="\"sha256/$LEAF\", \"sha256/$ZERO\""
refused "trailing comma" outsystems "line 1: not valid JSON" '{"hosts": [],}'
refused "cut short" outsystems "not valid JSON: the text ends too early" '{"hosts": ['
refused "no hosts" outsystems 'expected an object with a "hosts" list' '{"host": "x"}'
refused "hosts not a list" outsystems 'hosts: expected a list of {"host": ..., "hashes": [...]}, not object' '{"hosts": {}}'
refused "entry without host" outsystems 'hosts[0]: "host" is missing or not a string' "{\"hosts\": [{\"hashes\": [$GOOD]}]}"
refused "entry without hashes" outsystems 'hosts[0]: "hashes" is missing' '{"hosts": [{"host": "a.test"}]}'
refused "hash not a string" outsystems 'hosts[0].hashes[1]: a pin must be a string, not int' '{"hosts": [{"host": "a.test", "hashes": ["sha256/'"$LEAF"'", 5]}]}'
refused "bad hash" outsystems "hosts[1]: pin \"sha256/BBBB\" of host \"b.test\"" \
    "{\"hosts\": [{\"host\": \"a.test\", \"hashes\": [$GOOD]}, {\"host\": \"b.test\", \"hashes\": [\"sha256/BBBB\"]}]}"
refused "a URL for a host" outsystems 'hosts[0]: host "https://a.test/": character' \
    "{\"hosts\": [{\"host\": \"https://a.test/\", \"hashes\": [$GOOD]}]}"
refused "unknown key" outsystems 'hosts[0]: unknown key "pins"' "{\"hosts\": [{\"host\": \"a.test\", \"pins\": [$GOOD]}]}"
refused "no hashes at all" outsystems 'hosts[0]: host "a.test" has no pins' '{"hosts": [{"host": "a.test", "hashes": []}]}'
refused "empty" outsystems "no pinned host found: nothing to import" '{"hosts": []}'
refused "a host twice" outsystems 'hosts[1]: host "a.test" is pinned twice (also at hosts[0])' \
    "{\"hosts\": [{\"host\": \"a.test\", \"hashes\": [$GOOD]}, {\"host\": \"A.test.\", \"hashes\": [$GOOD]}]}"

refused "JavaScript keys" react-native "line 1: not valid JSON: quoted object property name expected" \
    "{ pinned: { publicKeyHashes: [$GOOD] } }"
refused "single quotes" react-native "line 2: not valid JSON: a string in single quotes" \
    "{
  'pinned.test': { \"publicKeyHashes\": [$GOOD] } }"
refused "no publicKeyHashes" react-native '"a.test": "publicKeyHashes" is missing' '{"a.test": {"includeSubdomains": true}}'
refused "includeSubdomains a string" react-native '"a.test": "includeSubdomains" must be true or false, not string' \
    "{\"a.test\": {\"includeSubdomains\": \"yes\", \"publicKeyHashes\": [$GOOD]}}"
refused "bad date" react-native "\"a.test\": 'expires' must be a date \"YYYY-MM-DD\"" \
    "{\"a.test\": {\"expirationDate\": \"31/12/2099\", \"publicKeyHashes\": [$GOOD]}}"
refused "unknown option" react-native '"a.test": unknown option "pins"' "{\"a.test\": {\"pins\": [$GOOD]}}"
refused "a list, not the options object" react-native 'expected the options object' "[$GOOD]"
refused "wildcard domain" react-native '"*.a.test": host "*.a.test": wildcards are not accepted' \
    "{\"*.a.test\": {\"publicKeyHashes\": [$GOOD]}}"

NSC_HEAD='<?xml version="1.0" encoding="utf-8"?>'
refused "not well-formed" android-nsc "not well-formed XML: Premature end of data in tag network-security-config line 2" "$NSC_HEAD
<network-security-config>
  <domain-config></network-security-config>"
refused "another document" android-nsc "expected a <network-security-config> document, not <manifest>" \
    "$NSC_HEAD<manifest/>"
refused "SHA-1 digest" android-nsc "line 4: pin digest \"SHA-1\" cannot be expressed (expected digest=\"SHA-256\")" \
    "$NSC_HEAD<network-security-config><domain-config>
<domain>a.test</domain>
<pin-set>
<pin digest=\"SHA-1\">$LEAF</pin></pin-set></domain-config></network-security-config>"
refused "overridePins" android-nsc "line 4: overridePins=\"true\" cannot be expressed" \
    "$NSC_HEAD<network-security-config><domain-config>
<domain>a.test</domain>
<pin-set><pin digest=\"SHA-256\">$LEAF</pin></pin-set>
<trust-anchors><certificates src=\"user\" overridePins=\"true\"/></trust-anchors></domain-config></network-security-config>"
refused "includeSubdomains yes" android-nsc "line 2: includeSubdomains must be \"true\" or \"false\"" \
    "$NSC_HEAD<network-security-config><domain-config>
<domain includeSubdomains=\"yes\">a.test</domain>
<pin-set><pin digest=\"SHA-256\">$LEAF</pin></pin-set></domain-config></network-security-config>"
refused "bad pin" android-nsc "line 2: pin \"nope\" of host \"a.test\"" \
    "$NSC_HEAD<network-security-config><domain-config>
<domain>a.test</domain>
<pin-set><pin digest=\"SHA-256\">nope</pin></pin-set></domain-config></network-security-config>"
refused "bad expiration" android-nsc "line 2: 'expires' must be a date" \
    "$NSC_HEAD<network-security-config><domain-config>
<domain>a.test</domain>
<pin-set expiration=\"tomorrow\"><pin digest=\"SHA-256\">$LEAF</pin></pin-set></domain-config></network-security-config>"
refused "no pin-set anywhere" android-nsc "no pinned host found" \
    "$NSC_HEAD<network-security-config><domain-config><domain>a.test</domain></domain-config></network-security-config>"

PL_HEAD='<?xml version="1.0" encoding="UTF-8"?><plist version="1.0">'
refused "binary plist" trustkit "a binary plist: convert it to XML first" "bplist00xxxx"
refused "no TSKConfiguration" trustkit "no TSKConfiguration dictionary" \
    "$PL_HEAD<dict><key>CFBundleName</key><string>x</string></dict></plist>"
refused "no TSKPinnedDomains" trustkit "TSKConfiguration has no TSKPinnedDomains <dict>" \
    "$PL_HEAD<dict><key>TSKConfiguration</key><dict></dict></dict></plist>"
refused "no hashes" trustkit "line 2 (a.test): TSKPublicKeyHashes is missing" \
    "$PL_HEAD<dict><key>TSKConfiguration</key><dict><key>TSKPinnedDomains</key><dict>
<key>a.test</key><dict><key>TSKIncludeSubdomains</key><true/></dict></dict></dict></dict></plist>"
refused "enforce not a boolean" trustkit "TSKEnforcePinning must be <true/> or <false/>" \
    "$PL_HEAD<dict><key>TSKConfiguration</key><dict><key>TSKPinnedDomains</key><dict>
<key>a.test</key><dict><key>TSKPublicKeyHashes</key><array><string>$LEAF</string></array>
<key>TSKEnforcePinning</key><string>yes</string></dict></dict></dict></dict></plist>"
refused "unknown setting" trustkit 'unknown TrustKit setting "TSKPins"' \
    "$PL_HEAD<dict><key>TSKConfiguration</key><dict><key>TSKPinnedDomains</key><dict>
<key>a.test</key><dict><key>TSKPins</key><array/></dict></dict></dict></dict></plist>"
refused "bad hash" trustkit "pin \"abc\" of host \"a.test\"" \
    "$PL_HEAD<dict><key>TSKConfiguration</key><dict><key>TSKPinnedDomains</key><dict>
<key>a.test</key><dict><key>TSKPublicKeyHashes</key><array><string>abc</string></array></dict></dict></dict></dict></plist>"
refused "not XML" trustkit "line 1: not well-formed XML: Start tag expected" '{"TSKConfiguration": {}}'

# --- usage ---------------------------------------------------------------
hp_expect "no --from" 64 "say which format FILE is in" "$HOSTPIN" import "$D/rn.json"
hp_expect "unknown format" 64 "unknown format 'okhttp'" "$HOSTPIN" import --from okhttp "$D/rn.json"
hp_expect "no file" 64 "give one input FILE" "$HOSTPIN" import --from trustkit
hp_expect "two files" 64 "give one input FILE" "$HOSTPIN" import --from trustkit a b
hp_expect "missing file" 1 "hostpin import: $D/none.json: cannot read: No such file or directory" \
    "$HOSTPIN" import --from outsystems "$D/none.json"
hp_expect "--help" 0 "Usage: hostpin import --from FORMAT [--raw-dir DIR] FILE" "$HOSTPIN" import --help
hp_expect "listed in hostpin --help" 0 "  import " "$HOSTPIN" --help

hp_done
