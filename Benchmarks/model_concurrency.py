#!/usr/bin/env python3
"""Wall time of `ecl-workflows run simple --llm claude` against a Messages API that answers every call after
200 ms, at --concurrency 1 and 8: what concurrent model calls buy. The fake API (this process, threads,
TCP_NODELAY, headers and body in one write) records how many calls it held at once.
Usage: model_concurrency.py BINARY [WORKFLOWS] [RUNS]"""
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time

from real_http import RealHandler

DELAY = 0.2
CRITIQUE = json.dumps({"decision": "pass", "critique": "fine", "feedback": ""})
BODY = json.dumps({
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-bench",
    "content": [{"type": "text", "text": CRITIQUE}], "stop_reason": "end_turn",
    "usage": {"input_tokens": 12, "output_tokens": 5},
}).encode()


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.now = self.peak = 0

    def enter(self):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self):
        with self.lock:
            self.now -= 1


counter = Counter()


class Handler(RealHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        counter.enter()
        time.sleep(DELAY)
        counter.leave()
        self.answer(BODY)


def main():
    binary = sys.argv[1]
    workflows = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, ANTHROPIC_API_KEY="sk-bench", ANTHROPIC_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}",
               ECL_LOG_LEVEL="error")
    rows = {}
    for concurrency in (1, 8):
        walls = []
        counter.peak = 0
        for _ in range(runs):
            start = time.monotonic()
            subprocess.run([binary, "run", "simple", "--llm", "claude", "--count", str(workflows), "--concurrency",
                            str(concurrency), "--db", ":memory:", "--output", "json"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            walls.append(time.monotonic() - start)
        rows[concurrency] = (statistics.median(walls), counter.peak)
    calls = workflows * 2
    print(f"| model calls ({workflows} × `run simple --llm claude`, {calls} calls of {DELAY * 1000:.0f} ms, median of {runs}) "
          "| wall | calls held at once | speed-up |")
    print("| --- | ---: | ---: | ---: |")
    for concurrency, (wall, peak) in rows.items():
        print(f"| --concurrency {concurrency} | {wall:.2f} s | {peak} | {rows[1][0] / wall:.1f}× |")


main()
