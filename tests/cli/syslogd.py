#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for rsyslogd while a test runs: nothing else is listening.

usage: syslogd.py SOCKET AUTHLOG SYSLOG SECONDS

Receives syslog datagrams on the Unix socket SOCKET (the test's /dev/log)
and writes each as Debian's rsyslog does (RSYSLOG_FileFormat: RFC 3339
time of receipt, host name, tag, message): facilities auth and authpriv
to AUTHLOG, every other one to SYSLOG.  Exits after SECONDS.
"""
import datetime
import os
import re
import socket
import sys
import time

LINE = re.compile(rb"^<(\d{1,3})>(?:[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d )?(.*)$", re.S)


def main() -> int:
    path, authlog, syslog, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    host = socket.gethostname().split(".")[0]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    end = time.monotonic() + seconds
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return 0
            sock.settimeout(left)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return 0
            m = LINE.match(data)
            if m is None:
                continue
            facility = int(m.group(1)) >> 3
            text = m.group(2).rstrip(b"\n").decode("utf-8", "replace")
            now = datetime.datetime.now().astimezone().isoformat(timespec="microseconds")
            with open(authlog if facility in (4, 10) else syslog, "a", encoding="utf-8") as f:
                f.write(f"{now} {host} {text}\n")
    finally:
        sock.close()
        os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
