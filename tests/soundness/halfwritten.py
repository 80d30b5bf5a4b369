#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A pins file saved in place, slowly, while clients connect.

usage: halfwritten.py PINS CNF CAFILE GPORT IPORT FPORT PIN SECONDS

A writer rewrites PINS in place (truncate, then line by line, with pauses
of up to 1 s between writes, each write flushed, and a chmod after the
second line), over and over, for
SECONDS; many prefixes of the file are valid pins files with fewer hosts
or none.  Meanwhile a loop starts new client processes (openssl s_client
through OPENSSL_CONF=CNF) against an impostor (FPORT), and one
long-running Python client in this process connects to another impostor
(IPORT) and the genuine server over and over (s_server serves one
connection at a time: each client has servers of its own).  Prints the counts; exit 0 if no impostor connection
was admitted and the genuine server was reached, 1 otherwise.
"""
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from reach import reach as reach_as  # noqa: E402

pins, cnf, cafile = sys.argv[1:4]
gport, iport, fport = (int(a) for a in sys.argv[4:7])
pin, seconds = sys.argv[7], float(sys.argv[8])
LINES = [
    "version = 1;\n",
    "reload_interval = 1;\n",
    "# hosts of the pinned service\n",
    "hosts = (\n",
    f'  {{ host = "pinned.test"; pins = [ "sha256/{pin}",\n',
    '      "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ]; }\n',
    ");\n",
]
end = time.monotonic() + seconds
lock = threading.Lock()
counts = {"saves": 0, "fresh_impostor_admitted": 0, "fresh_impostor_refused": 0,
          "long_impostor_admitted": 0, "long_impostor_refused": 0,
          "long_genuine_reached": 0, "long_genuine_refused": 0}


def bump(key):
    with lock:
        counts[key] += 1


def writer():
    rnd = random.Random(7)
    while time.monotonic() < end:
        with open(pins, "w") as f:  # truncate: the file is empty now
            for i, line in enumerate(LINES):
                f.write(line)
                f.flush()
                # A chmod between two writes, as some configuration tools
                # do: the file's change time then differs from its
                # modification time, as for a finished file moved in.
                if i == 1:
                    os.fchmod(f.fileno(), 0o644)
                time.sleep(rnd.uniform(0.1, 1.0))
        bump("saves")
        time.sleep(rnd.uniform(0.5, 3.0))


def fresh():
    while time.monotonic() < end:
        rc = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{fport}",
             "-servername", "pinned.test", "-verify_hostname", "pinned.test",
             "-verify_return_error", "-CAfile", cafile],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=dict(os.environ, OPENSSL_CONF=cnf),
            timeout=30).returncode
        bump("fresh_impostor_admitted" if rc == 0 else "fresh_impostor_refused")


def reach(port):
    return reach_as(port, cafile)


def long_running():
    while time.monotonic() < end:
        bump("long_impostor_admitted" if reach(iport) else "long_impostor_refused")
        bump("long_genuine_reached" if reach(gport) else "long_genuine_refused")
        time.sleep(0.05)


# The long-running client holds a set before the first save begins.
if not reach(gport) or reach(iport):
    print("the long-running client did not start pinned")
    sys.exit(1)
threads = [threading.Thread(target=f) for f in (writer, fresh, long_running)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join(f"{k}={v}" for k, v in counts.items()))
bad = counts["fresh_impostor_admitted"] + counts["long_impostor_admitted"]
sys.exit(0 if bad == 0 and counts["long_genuine_reached"] > 0 and
         counts["fresh_impostor_refused"] > 0 else 1)
