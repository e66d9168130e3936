#!/usr/bin/env python3
"""Turns ordo-one/benchmark's markdown output (stdin) into one table: p50 wall time, allocations, throughput."""
import re
import sys

rows = []
name = None
current = {}
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("### "):
        if name:
            rows.append((name, current))
        name, current = line[4:].strip(), {}
        continue
    match = re.match(r"\|\s*(Time \(wall clock\)|Malloc \(total\)|Throughput \(# / s\))\s*\(?([^|)]*)\)?[^|]*\|(.*)", line)
    if name and match:
        cells = [cell.strip() for cell in match.group(3).split("|")]
        unit = match.group(2).strip(" *")
        current[match.group(1)] = (cells[2], unit)  # p50
if name:
    rows.append((name, current))

print("| benchmark | p50 wall time | allocations | p50 throughput |")
print("| --- | ---: | ---: | ---: |")
for name, metrics in rows:
    time = metrics.get("Time (wall clock)", ("?", ""))
    malloc = metrics.get("Malloc (total)", ("?", ""))
    rate = metrics.get("Throughput (# / s)", ("?", ""))
    rate_unit = {"K": " k/s", "M": " M/s", "#": " /s"}.get(rate[1], " /s")
    print(f"| {name} | {time[0]} {time[1]} | {malloc[0]} | {rate[0]}{rate_unit} |")
