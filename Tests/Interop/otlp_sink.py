#!/usr/bin/env python3
"""A downstream OTLP/HTTP receiver for the end-to-end test: rotel forwards what it accepted here.

Usage: otlp_sink.py PORT OUTPUT
Accepts POST /v1/traces, /v1/logs and /v1/metrics in protobuf or JSON, gzip or plain; appends one JSON line
per request to OUTPUT: {"signal": "traces"|"logs"|"metrics", "items": [...]}, each item [traceId, spanId,
name-or-body] for spans and log records, and [name, "k=v,..." (sorted), value] for metric data points (the
value of a sum or gauge; "count=N sum=S" for a histogram). Prints "ready" once listening, and exits cleanly
on SIGTERM.
"""
import gzip
import http.server
import json
import signal
import sys
import threading

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest, ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

# A parent that blocks signals passes its mask on: clear it so SIGTERM ends the sink.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
PORT = int(sys.argv[1])
OUTPUT = open(sys.argv[2], "a", encoding="utf-8")
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        signal_name = "traces" if self.path.endswith("/v1/traces") else "metrics" if self.path.endswith("/v1/metrics") else "logs"
        request = {"traces": ExportTraceServiceRequest, "logs": ExportLogsServiceRequest, "metrics": ExportMetricsServiceRequest}[signal_name]()
        if "json" in (self.headers.get("Content-Type") or ""):
            json_format.Parse(body, request)
        else:
            request.ParseFromString(body)
        items = []
        if signal_name == "traces":
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        items.append([span.trace_id.hex(), span.span_id.hex(), span.name])
            reply = ExportTraceServiceResponse()
        elif signal_name == "metrics":
            for resource in request.resource_metrics:
                for scope in resource.scope_metrics:
                    for metric in scope.metrics:
                        kind = metric.WhichOneof("data")
                        if kind is None:
                            items.append([metric.name, "", "no data"])
                            continue
                        for point in getattr(metric, kind).data_points:
                            attributes = ",".join(sorted(f"{a.key}={a.value.string_value}" for a in point.attributes))
                            if kind == "histogram":
                                value = f"count={point.count} sum={point.sum:g}"
                            else:
                                value = str(point.as_int) if point.WhichOneof("value") == "as_int" else f"{point.as_double:g}"
                            items.append([metric.name, attributes, value])
            reply = ExportMetricsServiceResponse()
        else:
            for resource in request.resource_logs:
                for scope in resource.scope_logs:
                    for record in scope.log_records:
                        items.append([record.trace_id.hex(), record.span_id.hex(), record.body.string_value])
            reply = ExportLogsServiceResponse()
        with LOCK:
            OUTPUT.write(json.dumps({"signal": signal_name, "items": items}) + "\n")
            OUTPUT.flush()
        payload = reply.SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print("ready", flush=True)
server.serve_forever()
OUTPUT.close()
