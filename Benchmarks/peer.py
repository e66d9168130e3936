#!/usr/bin/env python3
"""Runs PeerSpans for each exporter, alternating, against a counting OTLP receiver in its own process
(otlp_counter.py), and prints the medians with ratios against ECL's exporter: spans the receiver got (delivered,
not created), delivered spans a second (from the first span until the exporter has sent the last), the
exporter process's CPU a delivered span (the receiver's CPU is not counted), and bytes a span on the wire.
Usage: peer.py BINARY RUNS SPANS"""
import json
import os
import socket
import statistics
import subprocess
import sys
import urllib.request

binary, runs, spans = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
here = os.path.dirname(os.path.abspath(__file__))
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
receiver = subprocess.Popen([sys.executable, os.path.join(here, "otlp_counter.py"), str(port)], stdout=subprocess.PIPE, text=True)
if receiver.stdout.readline().strip() != "ready":
    sys.exit("the counting receiver did not start")


def counts():
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/counts") as answer:
        return json.loads(answer.read())


modes = ["ecl", "swift-otel-protobuf", "swift-otel-json"]
results = {mode: [] for mode in modes}
try:
    for _ in range(runs):
        for mode in modes:
            before = counts()
            out = subprocess.run([binary, mode, str(spans), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
            row = json.loads(out.strip().splitlines()[-1])
            after = counts()
            row["delivered"] = after["spans"] - before["spans"]
            row["wire_bytes"] = after["bytes"] - before["bytes"]
            results[mode].append(row)
finally:
    receiver.terminate()
    receiver.wait()


def median(mode, key):
    return statistics.median(r[key] for r in results[mode])


def rate(mode):
    return statistics.median(r["delivered"] / r["wall_ms"] * 1000 for r in results[mode]) or 1e-9


def cpu_per_span(mode):
    return statistics.median(r["cpu_ms"] * 1000 / max(1, r["delivered"]) for r in results[mode])


print(f"| exporter ({spans:,} spans as traces of a root and 4 children, 3 attributes each, to a receiver in another "
      f"process; median of {runs}) | delivered | delivered spans/s | exporter CPU a span | bytes a span | rate: ECL × | CPU: × ECL |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
names = {"ecl": "ECL OTLPExporter (JSON, gzip)", "swift-otel-protobuf": "swift-otel 1.6.0 (HTTP protobuf)",
         "swift-otel-json": "swift-otel 1.6.0 (HTTP JSON)"}
for mode in modes:
    delivered = int(median(mode, "delivered"))
    size = median(mode, "wire_bytes") / max(1, delivered)
    print(f"| {names[mode]} | {delivered:,} of {spans:,} | {rate(mode):,.0f} | {cpu_per_span(mode):.1f} µs | {size:.0f} | "
          f"{rate('ecl') / rate(mode):.1f}× | {cpu_per_span(mode) / cpu_per_span('ecl'):.1f}× |")
