#!/usr/bin/env python3
"""What telemetry costs a user: the built command, offline critique-revise (one revision), the store in memory so
it hides nothing, N workflows at concurrency 16, in four modes, alternating, median of RUNS. Wall time, CPU of
the whole process (user + system, every thread), the CPU each mode adds per workflow over `--log-level error`,
and per record (spans and log lines a workflow makes, counted by the receiver in the prod run). Prod exports
to a counting OTLP receiver in another process (otlp_counter.py, answering like a real collector).
Usage: user_cost.py BINARY [WORKFLOWS] [RUNS]"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

binary = sys.argv[1]
workflows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
here = os.path.dirname(os.path.abspath(__file__))

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
receiver = subprocess.Popen([sys.executable, os.path.join(here, "otlp_counter.py"), str(port)], stdout=subprocess.PIPE, text=True)
receiver.stdout.readline()


def counts():
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/counts") as answer:
        return json.loads(answer.read())


prod = ["--preset", "prod", "--otlp-endpoint", f"http://127.0.0.1:{port}"]
# Each mode: its flags and environment. Then prod at the old gzip level, for the level's trade, and prod with log sampling.
modes = {
    "--log-level error (baseline)": (["--log-level", "error"], {}),
    "--log-level info --log-format json": (["--log-level", "info", "--log-format", "json"], {}),
    "--preset dev": (["--preset", "dev"], {}),
    "--preset prod, OTLP to a local receiver": (prod, {}),
    # The same without exporting metrics (the engine still counts them in memory: the summary reads them).
    "--preset prod, OTEL_METRICS_EXPORTER=none": (prod, {"OTEL_METRICS_EXPORTER": "none"}),
    "--preset prod, ECL_OTLP_GZIP_LEVEL=6": (prod, {"ECL_OTLP_GZIP_LEVEL": "6"}),
    # Log sampling: a tenth of the workflows whole, the rest warnings and errors only (none fail here).
    "--preset prod --sample 0.1": ([*prod, "--sample", "0.1"], {}),
}
env = {key: value for key, value in os.environ.items() if not key.startswith(("ECL_", "OTEL_"))}
env["ECL_OTLP_SPOOL"] = os.path.join("/tmp", f"ecl-user-cost-spool-{os.getpid()}")
results = {mode: [] for mode in modes}
received = {}
dev_lines = 0
output = f"/tmp/ecl-user-cost-{os.getpid()}.out"
for _ in range(runs):
    for mode, (flags, extra) in modes.items():
        before = counts()
        start = time.monotonic()
        # Results are JSON lines in every mode (so only telemetry differs); logs go to a file (as they would to
        # a log file or a pipe), not a terminal: JSON logs with the results on stdout, text logs on stderr.
        with open(output, "w") as sink:
            process = subprocess.Popen(
                [binary, "run", "critique-revise", "--count", str(workflows), "--concurrency", "16", "--db", ":memory:", "--quiet",
                 "--output", "json", *flags],
                stdout=subprocess.DEVNULL, stderr=sink, env={**env, "ECL_LOG_OUTPUT": "stderr", **extra})
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        if status != 0:
            sys.exit(f"{mode}: exit status {status}")
        results[mode].append((wall, usage.ru_utime + usage.ru_stime))
        after = counts()
        received[mode] = (after["spans"] - before["spans"], after["logs"] - before["logs"], after["metric_points"] - before["metric_points"])
        if mode == "--preset dev":
            # Its records: debug log lines (they start with the time) and span lines.
            with open(output) as lines:
                dev_lines = sum(1 for line in lines if re.match(r"(\d\d:\d\d:\d\d\.\d{3} |span )", line))
receiver.terminate()
os.remove(output)

spans, logs, points = received["--preset prod, OTLP to a local receiver"]
spans_per, logs_per = spans / workflows, logs / workflows
records = {
    "--log-level info --log-format json": logs_per,
    "--preset dev": dev_lines / workflows,
    "--preset prod, OTLP to a local receiver": spans_per + logs_per,
    "--preset prod, ECL_OTLP_GZIP_LEVEL=6": spans_per + logs_per,
}
# CPU added: each round's difference with that round's baseline (the VM's speed drifts between rounds), the
# median of those, and the middle half of them to show the spread.
base = [cpu for _, cpu in results["--log-level error (baseline)"]]
print(f"| mode ({workflows} offline critique-revise workflows, concurrency 16, `--db :memory:`, {runs} rounds) "
      "| wall | CPU | CPU added a workflow (middle half) | a record |")
print("| --- | ---: | ---: | ---: | ---: |")
for mode, rows in results.items():
    wall = statistics.median(w for w, _ in rows)
    cpu = statistics.median(c for _, c in rows)
    if mode != "--log-level error (baseline)":
        added = sorted((c - b) / workflows * 1e6 for (_, c), b in zip(rows, base))
        middle = f"{added[len(added) // 4]:.0f}–{added[(3 * len(added)) // 4]:.0f}"
        median = statistics.median(added)
        shown, per_record = f"{median:.0f} µs ({middle})", f"{median / records[mode]:.1f} µs" if mode in records else ""
    else:
        shown, per_record = "—", ""
    print(f"| {mode} | {wall:.2f} s | {cpu:.2f} s | {shown} | {per_record} |")
print(f"\nA workflow made {spans_per:.1f} spans and {logs_per:.1f} info log records (counted by the receiver); "
      f"dev printed {dev_lines / workflows:.1f} lines (debug logs and spans) a workflow.")
sampled_spans, sampled_logs, _ = received["--preset prod --sample 0.1"]
print(f"Prod's metrics: {points} data points in the run ({points / workflows:.3f} a workflow: the engine's counts are "
      f"aggregated in memory and read at the interval and the end, not sent per workflow).")
print(f"With --sample 0.1 the receiver got {sampled_spans / workflows:.1f} spans and {sampled_logs / workflows:.1f} log records a workflow.")
