#!/usr/bin/env python3
"""A counting OTLP/HTTP receiver for the burst benchmark: answers 200 to every POST at once, like a real
collector (status line, headers and body in one write, TCP_NODELAY), and counts the spans it got.

Usage: otlp_counter.py PORT. Prints "ready" once listening. GET /count answers the spans received so far;
GET /counts answers {"spans": N, "logs": M}.
Counting: gzip-decompress the body and count "startTimeUnixNano" (one per span in ECL's encoding) in
/v1/traces, "observedTimeUnixNano" (one per log record) in /v1/logs.
"""
import gzip
import http.server
import sys
import threading

from real_http import RealHandler

PORT = int(sys.argv[1])
LOCK = threading.Lock()
SPANS = 0
LOGS = 0
KEY = b'"startTimeUnixNano"'
LOG_KEY = b'"observedTimeUnixNano"'


class Handler(RealHandler):
    def do_POST(self):
        global SPANS, LOGS
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        with LOCK:
            if self.path.endswith("/v1/logs"):
                LOGS += body.count(LOG_KEY)
            else:
                SPANS += body.count(KEY)
        self.answer(b'{"partialSuccess":null}')

    def do_GET(self):
        with LOCK:
            spans, logs = SPANS, LOGS
        if self.path == "/counts":
            self.answer(('{"spans": %d, "logs": %d}' % (spans, logs)).encode())
        else:
            self.answer(str(spans).encode())


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
