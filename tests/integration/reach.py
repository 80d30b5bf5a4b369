# SPDX-License-Identifier: Apache-2.0
"""What the tests' long-running Python clients share: one verified
connection to 127.0.0.1, and waiting for the pair (genuine, impostor) to
be reached as wanted.  Plain ssl module: nothing here knows hostpin."""
import socket
import ssl
import time


def reach(port, cafile, name="pinned.test"):
    """True if a TLS connection to 127.0.0.1:port verifies as name."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            with ctx.wrap_socket(s, server_hostname=name):
                return True
        except ssl.SSLError:
            return False


def wait_for(want, gport, iport, cafile, limit=10.0, name="pinned.test"):
    """Until (reach(gport), reach(iport)) == want, `limit` seconds at most."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if (reach(gport, cafile, name), reach(iport, cafile, name)) == want:
            return True
        time.sleep(0.2)
    return False
