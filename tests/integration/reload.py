#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A long-running Python client (plain ssl module) while its pins file is
edited: hostpin must pick up changes without a restart.

usage: reload.py GPORT IPORT CAFILE PINSFILE GENUINE_PIN IMPOSTOR_PIN
"""
import os
import sys
import time

from reach import reach as reach_as

gport, iport, cafile, pins, gpin, ipin = (int(sys.argv[1]), int(sys.argv[2]),
                                          *sys.argv[3:7])
failures = 0
checks = 0


def reach(port):
    return reach_as(port, cafile)


def state():
    return reach(gport), reach(iport)


def pins_file(pin, interval=1):
    return (f'version = 1;\nreload_interval = {interval};\nhosts = (\n'
            f'  {{ host = "pinned.test"; pins = [ "sha256/{pin}" ]; }}\n);\n')


def replace(text):  # atomic, as `mv` does
    with open(pins + ".new", "w") as f:
        f.write(text)
    os.rename(pins + ".new", pins)


def edit_in_place(text):  # as an editor that rewrites the file does
    with open(pins, "w") as f:
        f.write(text)


def check(desc, ok):
    global failures, checks
    checks += 1
    print(("ok   - " if ok else "FAIL - ") + desc)
    failures += 0 if ok else 1


def wait_for(want, limit=10.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if state() == want:
            return True
        time.sleep(0.2)
    return False


def stays(want, seconds=3.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if state() != want:
            return False
        time.sleep(0.2)
    return True


GENUINE_ONLY, IMPOSTOR_ONLY = (True, False), (False, True)
replace(pins_file(gpin))
check("initial set: genuine reached, impostor refused", state() == GENUINE_ONLY)
replace(pins_file(ipin))
check("replaced with mv: new pins take effect without restart",
      wait_for(IMPOSTOR_ONLY))
edit_in_place("version = 1;\nhosts = ( { host = \"pinned.test\"; pins = [ \"x\" ]; } );\n")
check("invalid edit: previous pins stay in force", stays(IMPOSTOR_ONLY))


def logged(text, limit=10.0):
    """Verify until the debug log says `text` (a program reads a file
    written in place once it has settled, on a verification)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        with open(os.environ["HOSTPIN_DEBUG"]) as f:
            if text in f.read():
                return True
        state()
        time.sleep(0.2)
    return False


check("invalid edit: read once it settled, and refused",
      logged("previous pins stay in force") and state() == IMPOSTOR_ONLY)
edit_in_place(pins_file(gpin))
check("edited in place: new pins take effect", wait_for(GENUINE_ONLY))
os.remove(pins)
check("file removed: previous pins stay in force", stays(GENUINE_ONLY))
replace(pins_file(gpin, interval=0))
# The check after this change loads reload_interval = 0, once the file has
# settled (a file written less than 2 s ago may still be being written).
time.sleep(3.5)
state()
replace(pins_file(ipin))
check("reload_interval = 0: changes are not picked up", stays(GENUINE_ONLY))
print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
