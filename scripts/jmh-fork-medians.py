#!/usr/bin/env python3
"""Reads JMH's console output on stdin and prints, per benchmark and parameter set, the median of the
per-fork medians, then qsock's cost over the raw AEAD call for each packet protection pair.

With --rounds, the input is several JMH invocations of one fork each (scripts/bench-ab): the k-th fork of
a qsock benchmark is paired with the k-th fork of its raw twin, and the median of those ratios is printed."""
import re
import statistics
import sys

log = sys.stdin.read()
rounds = '--rounds' in sys.argv
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
        results.setdefault((name, params), []).extend(forks)

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

if rounds:
    print()
    for (name, params), forks in sorted(results.items()):
        if not name.startswith('qsock'):
            continue
        raw = results.get(('raw' + name[len('qsock'):], params))
        if raw:
            ratios = [r / q - 1 for q, r in zip(forks, raw)]
            print(f"{name:10s} {dict(params)}: per-round cost {[round(100 * x, 1) for x in ratios]}%,"
                  f" median {100 * statistics.median(ratios):+.1f}%")
