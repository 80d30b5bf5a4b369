# SPDX-License-Identifier: Apache-2.0
"""A TCP relay that holds one connection until a file exists.

    python3 gate.py TARGET_PORT OPEN_FILE

Listens on an ephemeral port of 127.0.0.1 (printed on the first line of
stdout), accepts one client, and relays it to 127.0.0.1:TARGET_PORT only
once OPEN_FILE exists: a TLS client started through it loads its
configuration at once but verifies the server's certificate only when the
test says so.  Every wait is bounded (60 s); then the relay exits.
"""
import os
import select
import socket
import sys
import time

LIMIT = 60


def main():
    target, open_file = int(sys.argv[1]), sys.argv[2]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(LIMIT)
    print(srv.getsockname()[1], flush=True)
    client, _ = srv.accept()
    end = time.monotonic() + LIMIT
    while not os.path.exists(open_file):
        if time.monotonic() > end:
            return 1
        time.sleep(0.05)
    upstream = socket.create_connection(("127.0.0.1", target), timeout=10)
    peers = {client: upstream, upstream: client}
    end = time.monotonic() + LIMIT
    while peers and time.monotonic() < end:
        ready, _, _ = select.select(list(peers), [], [], 1)
        for s in ready:
            data = s.recv(65536)
            if data:
                peers[s].sendall(data)
                continue
            # One side is done: tell the other, stop listening to it.
            try:
                peers.pop(s).shutdown(socket.SHUT_WR)
            except OSError:
                pass
    client.close()
    upstream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
