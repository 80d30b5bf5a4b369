#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An ordinary Python TLS client: nothing in it knows about hostpin.

usage: pyclient.py HOST PORT CAFILE MODE
  MODE hostname  check_hostname on, server_hostname=HOST (the default way)
  MODE sni       check_hostname off, SNI only (server_hostname=HOST, or
                 none at all when HOST is an IP address)
Connects to 127.0.0.1:PORT; exit 0 if the handshake succeeds, 1 if it fails.
"""
import ipaddress
import socket
import ssl
import sys


def main() -> int:
    host, port, cafile, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context(cafile=cafile)
    server_hostname = host
    if mode == "sni":
        ctx.check_hostname = False
        try:
            ipaddress.ip_address(host)
            server_hostname = None  # no name at all: an IP connection
        except ValueError:
            pass
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            with ctx.wrap_socket(sock, server_hostname=server_hostname) as tls:
                tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
                tls.recv(64)
        except ssl.SSLError as e:
            print(f"python ssl error: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
