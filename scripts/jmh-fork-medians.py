#!/usr/bin/env python3
"""Reads JMH's console output on stdin and prints, per benchmark and parameter set, the median of the
per-fork medians, then qsock's cost over the raw AEAD call for each packet protection pair."""
import re
import statistics
import sys

log = sys.stdin.read()
results = {}
for block in re.split(r'# Benchmark: ', log)[1:]:
    name = block.split('\n')[0].strip().split('.')[-1]
    params = tuple(re.findall(r'(\w+) = ([\w.-]+)', block.split('# Run progress')[0].split('# Parameters:')[-1]))
    forks = []
    for fork in re.split(r'# Fork: ', block)[1:]:
        its = [float(x.replace(',', '')) for x in re.findall(r'\nIteration\s+\d+: ([\d.,]+) ops/s', fork)]
        if its:
            forks.append(statistics.median(its))
    if forks:
        results[(name, params)] = forks

for (name, params), forks in sorted(results.items()):
    print(f"{name:12s} {dict(params)}  median {statistics.median(forks):>12,.0f} ops/s  forks {[round(f / 1e3) for f in forks]}k")

print()
for (name, params), forks in sorted(results.items()):
    if not name.startswith('qsock'):
        continue
    raw = results.get(('raw' + name[len('qsock'):], params))
    if raw:
        q, r = statistics.median(forks), statistics.median(raw)
        print(f"{name:10s} {dict(params)}: raw {r:,.0f}/s, qsock {q:,.0f}/s, qsock costs {100 * (r / q - 1):+.1f}%")
