#!/usr/bin/env python3
"""A counting OTLP/HTTP receiver for the burst benchmark: answers 200 to every POST at once, like a real
collector (status line, headers and body in one write, TCP_NODELAY), and counts the spans it got.

Usage: otlp_counter.py PORT. Prints "ready" once listening. GET /count answers the spans received so far;
GET /counts answers {"spans": N, "logs": M, "metric_points": P, "bytes": B}.
Counting: gzip-decompress the body; OTLP/JSON: count "startTimeUnixNano" (one per span) in /v1/traces,
"observedTimeUnixNano" (one per log record) in /v1/logs, "timeUnixNano" (one per data point) in /v1/metrics; OTLP/protobuf (Content-Type application/x-protobuf):
parse the request with the official opentelemetry-proto classes and count its spans. /counts also gives the
bytes received on the wire (bodies as sent, compressed or not).
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
POINTS = 0
BYTES = 0
KEY = b'"startTimeUnixNano"'
LOG_KEY = b'"observedTimeUnixNano"'
POINT_KEY = b'"timeUnixNano"'


class Handler(RealHandler):
    def do_POST(self):
        global SPANS, LOGS, POINTS, BYTES
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        wire = len(body)
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.headers.get("Content-Type", "").startswith("application/x-protobuf"):
            if not self.path.endswith("/v1/traces"):
                self.answer(b"", status=404, content_type="application/x-protobuf")
                return
            try:
                from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
                request = ExportTraceServiceRequest.FromString(body)
            except Exception as error:  # the module missing (make test-tools installs it) or a body that is not one
                self.answer(str(error).encode(), status=400, content_type="text/plain")
                return
            spans = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
            with LOCK:
                SPANS += spans
                BYTES += wire
            # An empty ExportTraceServiceResponse, as the protocol defines success.
            self.answer(b"", content_type="application/x-protobuf")
            return
        with LOCK:
            BYTES += wire
            if self.path.endswith("/v1/logs"):
                LOGS += body.count(LOG_KEY)
            elif self.path.endswith("/v1/metrics"):
                POINTS += body.count(POINT_KEY)
            else:
                SPANS += body.count(KEY)
        self.answer(b'{"partialSuccess":null}')

    def do_GET(self):
        with LOCK:
            spans, logs, points, wire = SPANS, LOGS, POINTS, BYTES
        if self.path == "/counts":
            self.answer(('{"spans": %d, "logs": %d, "metric_points": %d, "bytes": %d}' % (spans, logs, points, wire)).encode())
        else:
            self.answer(str(spans).encode())


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
