#!/usr/bin/env python3
"""Runs PeerSpans for each exporter, alternating, and prints the medians with ratios against ECL's exporter.
Usage: peer.py BINARY RUNS SPANS"""
import json
import statistics
import subprocess
import sys

binary, runs, spans = sys.argv[1], int(sys.argv[2]), sys.argv[3]
modes = ["ecl", "swift-otel-protobuf", "swift-otel-json"]
results = {mode: [] for mode in modes}
for _ in range(runs):
    for mode in modes:
        out = subprocess.run([binary, mode, spans], capture_output=True, text=True, check=True).stdout
        results[mode].append(json.loads(out.strip().splitlines()[-1]))


def median(mode, key):
    return statistics.median(r[key] for r in results[mode])


ecl_wall, ecl_cpu = median("ecl", "wall_ms"), median("ecl", "cpu_ms")
print(f"| exporter ({spans} spans, 3 attributes, batches of 512, to 127.0.0.1; median of {runs}) | spans/s | CPU a span | bytes a span | time vs ECL | CPU vs ECL |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for mode in modes:
    wall, cpu = median(mode, "wall_ms"), median(mode, "cpu_ms")
    rate = int(int(spans) / wall * 1000)
    per_span = cpu * 1000 / int(spans)
    size = median(mode, "wire_bytes") / int(spans)
    name = {"ecl": "ECL OTLPExporter (JSON, gzip)", "swift-otel-protobuf": "swift-otel 1.6.0 (HTTP protobuf)",
            "swift-otel-json": "swift-otel 1.6.0 (HTTP JSON)"}[mode]
    print(f"| {name} | {rate:,} | {per_span:.1f} µs | {size:.0f} | {wall / ecl_wall:.1f}× | {cpu / ecl_cpu:.1f}× |")
