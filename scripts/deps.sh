#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what building and testing hostpin needs on Debian 12 (apt).
# Does nothing when everything is already installed.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libssl-dev libconfig-dev libcmocka-dev
      libjson-c-dev openssl curl python3 ca-certificates
      libxml2-dev groff-base clang libclang-rt-14-dev valgrind shellcheck
      cppcheck clang-format util-linux procps libpsl-dev publicsuffix
      python3-prometheus-client wget gnutls-bin
      nginx-light stunnel4 haproxy redis-server redis-tools php-cli)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
