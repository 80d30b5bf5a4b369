#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A TLS client that names no host to OpenSSL and checks the name itself.

usage: nosni.py ADDR PORT CAFILE NAME

No SNI and no host to verify (check_hostname off, server_hostname None),
the chain verified against CAFILE, then NAME matched against the
certificate's subjectAltNames after the handshake (a wildcard in the first
label stands for one label), as MariaDB's client and others do.  Nothing in
it knows about hostpin.  Exit 0: reached, name matches; 1: the handshake
failed; 2: reached, but the certificate is not for NAME.
"""
import ipaddress
import socket
import ssl
import sys


def matches(pattern, name):
    p, n = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if p.startswith("*."):
        return "." in n and n.split(".", 1)[1] == p[2:]
    return p == n


def certified(cert, name):
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    for kind, value in cert.get("subjectAltName", ()):
        if ip is not None and kind == "IP Address":
            if ipaddress.ip_address(value.strip()) == ip:
                return True
        elif ip is None and kind == "DNS" and matches(value, name):
            return True
    return False


def main() -> int:
    addr, port, cafile, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile)
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family) as sock:
        sock.settimeout(10)
        sock.connect((addr, port))
        try:
            with ctx.wrap_socket(sock, server_hostname=None) as tls:
                cert = tls.getpeercert()
        except ssl.SSLError as e:
            print(f"refused: {e}")
            return 1
    if not certified(cert, name):
        print(f"reached, but the certificate is not for {name}")
        return 2
    print(f"reached {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
