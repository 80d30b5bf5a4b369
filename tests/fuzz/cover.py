#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Pick a small seed corpus: a greedy set cover of coverage edges.

Usage: cover.py MERGE_CONTROL_FILE > chosen.txt
The control file comes from
  fuzz_conf -merge=1 -merge_control_file=MCF EMPTY_DIR CANDIDATES_DIR
and lists, per candidate, the edges (COV lines) it reaches.  Prints the
candidates that together reach every edge any of them reaches, preferring
the one adding most edges, then the smaller file.
"""
import os
import sys

lines = open(sys.argv[1]).read().split("\n")
nfiles = int(lines[0])
files = lines[2:2 + nfiles]
cov = {}
for line in lines[2 + nfiles:]:
    parts = line.split()
    if parts and parts[0] == "COV":
        cov[int(parts[1])] = set(parts[2:])
universe = set().union(*cov.values())
chosen, covered = [], set()
while covered != universe:
    best = max(cov, key=lambda i: (len(cov[i] - covered),
                                   -os.path.getsize(files[i])))
    chosen.append(best)
    covered |= cov[best]
print("%d edges, %d of %d files" % (len(universe), len(chosen), nfiles),
      file=sys.stderr)
for i in chosen:
    print(files[i])
