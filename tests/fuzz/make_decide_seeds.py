#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the fuzz_decide seed corpus: one recipe per case of DESIGN 3.

Usage: make_decide_seeds.py FOLDER
The bytes follow the recipe that fuzz_decide.c reads: the pins file (rule
count, global mode, then per rule kind, flags, pin count, host, pin seeds),
the names, the chain, the moment, and bytes for the extra single-name
checks.
"""
import os
import sys

out = sys.argv[1]
# Indexes into the labels[] and ips[] tables of fuzz_decide.c.
L = {n: i for i, n in enumerate(
    ["a", "b", "www", "example", "com", "xn--p1ai", "0", "3", "co", "uk"])}
IP = {n: i for i, n in enumerate(
    ["192.0.2.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "2001:db8::1",
     "[2001:DB8::1]", "10.0.0.1", "::ffff:10.0.0.1"])}
def fbyte(sub, mode, exp):
    """The flags byte of a rule: include_subdomains, mode, expiry."""
    for f in range(256):
        if f & 1 == sub and (f >> 1) % 3 == mode and (f >> 3) % 3 == exp:
            return f
def dns(name, upper=False, dot=False):
    ls = name.split(".")
    return [(len(ls) - 1) | (4 if upper else 0) | (8 if dot else 0)] + [L[x] for x in ls]
def rule(host, sub=0, mode=0, exp=0, pins=(1,)):
    if host in IP:
        hb, kind = [IP[host]], 3
    else:
        hb, kind = dns(host), 0
    return [kind, fbyte(sub, mode, exp), len(pins) - 1] + hb + list(pins)
def name(n, upper=False, dot=False):
    if n is None: return [0x80]
    if isinstance(n, bytes): return [3, len(n)] + list(n)
    if n in IP: return [2, IP[n]]
    return [0] + dns(n, upper, dot)
def seed(fname, rules, names, chain, moment=0, report=False, tail=(1, 0, 2, 1, 0, 0, 1, 0)):
    b = [len(rules), 1 if report else 0]
    for r in rules: b += r
    b += [len(names) - 1]
    for n in names: b += n
    b += [len(chain)] + list(chain) + [moment] + list(tail)
    with open(os.path.join(out, fname), "wb") as f:
        f.write(bytes(b))
E = "example.com"
seed("pass-leaf", [rule(E, pins=(1, 2))], [name(E)], [1, 9])
seed("fail-no-match", [rule(E, pins=(1, 2))], [name(E)], [7, 8, 9])
seed("fail-empty-chain", [rule(E)], [name(E)], [])
seed("parent-depth-2", [rule(E, sub=1, pins=(3,))], [name("www." + E)], [7, 8, 3])
seed("exact-beats-parent", [rule(E, sub=1, pins=(3,)), rule("www." + E, pins=(4,))], [name("www." + E)], [3])
seed("parent-no-subdomains", [rule(E, sub=1, pins=(3,)), rule("a." + E, pins=(4,))], [name("b.a." + E)], [4])
seed("global-report", [rule(E)], [name(E)], [5], report=True)
seed("host-report", [rule(E, mode=2), rule("b.co.uk", mode=1, pins=(6,))], [name(E), name("b.co.uk")], [6])
seed("host-enforce-in-report", [rule(E, mode=1)], [name(E)], [5], report=True)
seed("expiry-date-last-second", [rule(E, exp=1)], [name(E)], [9], moment=3)
seed("expiry-date-after", [rule(E, exp=1)], [name(E)], [9], moment=4)
seed("expiry-instant-before", [rule(E, exp=2)], [name(E)], [9], moment=1)
seed("expiry-instant-at", [rule(E, exp=2)], [name(E)], [9], moment=2)
seed("expired-beside-failing", [rule(E, exp=1), rule("b.com", pins=(2,))], [name(E), name("b.com")], [9], moment=5)
seed("ipv6-duplicates", [rule("::1", pins=(1,)), rule("[::1]", pins=(2,)), rule("0:0:0:0:0:0:0:1", pins=(3,))], [name("::1"), name("0:0:0:0:0:0:0:1")], [2])
seed("ipv4", [rule("192.0.2.1", pins=(4,)), rule("3", sub=1)], [name("192.0.2.1"), name("10.0.0.1")], [4])
seed("v4-mapped", [rule("::ffff:10.0.0.1"), rule("10.0.0.1", pins=(2,))], [name("10.0.0.1"), name("::ffff:10.0.0.1")], [1, 2])
seed("several-names-one-fails", [rule(E, pins=(1,)), rule("b.com", pins=(2,))], [name(E), name("b.com"), name("www")], [1])
seed("case-and-dot", [rule(E, sub=1)], [name("www." + E, upper=True, dot=True), name(E, dot=True)], [8, 1])
seed("odd-names", [rule(E, sub=1)], [name(b"x\x01.example.com"), name(b"\x00"), name(b"EXAMPLE.COM..")], [1])
seed("null-name", [rule(E)], [name(None), name(E)], [2])
seed("ip-like-labels", [rule("0.3.0.3"), rule("3.0.3", sub=1, pins=(5,))], [name("0.3.0.3"), name("a.3.0.3")], [5])
seed("idn", [rule("xn--p1ai", sub=1)], [name("www.xn--p1ai")], [1])
seed("no-rules", [], [name(E), name("192.0.2.1")], [1])
seed("eight-rules", [rule("a"), rule("b", sub=1), rule("a.b"), rule("www.a.b", mode=2), rule("com", sub=1, exp=1),
                     rule("example.com"), rule("192.0.2.1"), rule("co.uk", sub=1, mode=1)],
     [name("www.a.b"), name("www.b"), name("co.uk"), name("example.com")], [1, 2, 3, 4, 5], moment=5)
