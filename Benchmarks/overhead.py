#!/usr/bin/env python3
"""Runs WorkflowOverhead in each mode, alternating, and prints the medians as ratios against telemetry off."""
import json
import statistics
import subprocess
import sys

binary, runs, workflows = sys.argv[1], int(sys.argv[2]), sys.argv[3]
results = {"off": [], "dev": [], "prod": []}
for _ in range(runs):
    for mode in results:
        line = subprocess.run([binary, mode, workflows], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        results[mode].append(json.loads(line))

off_wall = statistics.median(r["wall_ms"] for r in results["off"])
off_cpu = statistics.median(r["cpu_ms"] for r in results["off"])
print(f"| telemetry ({workflows} workflows × 3 steps of ~1 ms CPU, median of {runs}) | wall | CPU | wall vs off | CPU vs off |")
print("| --- | ---: | ---: | ---: | ---: |")
for mode, rows in results.items():
    wall = statistics.median(r["wall_ms"] for r in rows)
    cpu = statistics.median(r["cpu_ms"] for r in rows)
    print(f"| {mode} | {wall:.0f} ms | {cpu:.0f} ms | {wall / off_wall:.3f} | {cpu / off_cpu:.3f} |")
