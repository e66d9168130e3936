#!/usr/bin/env python3
"""Runs WorkflowOverhead in each mode, alternating, and prints the medians as ratios against telemetry off.
Usage: overhead.py BINARY RUNS WORKFLOWS [MODES]   (MODES comma-separated, default off,dev,prod,prod+durable,prod+sqlite)
Modes with the SQL log exporter are also compared with prod alone: the exporter's own overhead."""
import json
import statistics
import subprocess
import sys

binary, runs, workflows = sys.argv[1], int(sys.argv[2]), sys.argv[3]
modes = (sys.argv[4] if len(sys.argv) > 4 else "off,dev,prod,prod+durable,prod+sqlite").split(",")
results = {mode: [] for mode in modes}
for _ in range(runs):
    for mode in results:
        line = subprocess.run([binary, mode, workflows], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        results[mode].append(json.loads(line))

off_wall = statistics.median(r["wall_ms"] for r in results["off"])
off_cpu = statistics.median(r["cpu_ms"] for r in results["off"])
prod = results.get("prod")
prod_wall = statistics.median(r["wall_ms"] for r in prod) if prod else None
prod_cpu = statistics.median(r["cpu_ms"] for r in prod) if prod else None
print(f"| telemetry ({workflows} workflows × 3 steps of ~1 ms CPU, median of {runs}) | wall | CPU | wall vs off | CPU vs off | wall vs prod | CPU vs prod |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for mode, rows in results.items():
    wall = statistics.median(r["wall_ms"] for r in rows)
    cpu = statistics.median(r["cpu_ms"] for r in rows)
    versus_prod = f"{wall / prod_wall:.3f} | {cpu / prod_cpu:.3f}" if prod and mode.startswith("prod+") else " | "
    print(f"| {mode} | {wall:.0f} ms | {cpu:.0f} ms | {wall / off_wall:.3f} | {cpu / off_cpu:.3f} | {versus_prod} |")
