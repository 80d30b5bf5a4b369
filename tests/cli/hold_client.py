#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A long-running Python TLS client: nothing in it knows about hostpin.

usage: hold_client.py PORT CAFILE NAME SECONDS
Connects to 127.0.0.1:PORT with NAME as the host, trusting CAFILE, prints
"ready" (or the error) once the handshake is over, then keeps running for
SECONDS before it exits.
"""
import socket
import ssl
import sys
import time


def main() -> int:
    port, cafile, name, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            with ctx.wrap_socket(sock, server_hostname=name):
                print("ready", flush=True)
    except (OSError, ssl.SSLError) as e:
        print(f"error {e}", flush=True)
    time.sleep(seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
