#!/usr/bin/env python3
"""Validates OTLP/JSON lines against the official opentelemetry-proto schema.

Usage: validate_otlp.py FILE...   (each line one TracesData / LogsData / MetricsData document)
Prints one line per problem and exits 1 if there is any; prints "N documents valid" and exits 0 otherwise.

protobuf's json_format reads `bytes` fields as base64, so OTLP's hex ids would be silently misread. This
script first checks every traceId/spanId/parentSpanId is lowercase hex of 16/8 bytes and not all zero,
replaces each with the base64 of its bytes, then parses with ignore_unknown_fields=False. It also rejects
what protobuf's parser lets through: keys that are not lowerCamelCase and enums that are not integers.
"""
import base64
import json
import re
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ID_LENGTHS = {"traceId": 16, "spanId": 8, "parentSpanId": 8}
ENUM_KEYS = {"kind", "code", "severityNumber", "aggregationTemporality"}
# int64 / fixed64 fields, which the JSON mapping writes as decimal strings.
INT64_KEYS = {"intValue", "timeUnixNano", "observedTimeUnixNano", "startTimeUnixNano", "endTimeUnixNano", "asInt", "count"}
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
# Keys whose values are user data (attribute keys live in {"key": ...} values, not as JSON keys).
FREE_FORM_PARENTS = set()


def fix(node, path, problems):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            where = f"{path}.{key}"
            if not CAMEL.match(key):
                problems.append(f"{where}: key is not lowerCamelCase")
            if key in ID_LENGTHS:
                if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]*", value):
                    problems.append(f"{where}: not lowercase hex: {value!r}")
                    continue
                if len(value) != 2 * ID_LENGTHS[key]:
                    problems.append(f"{where}: {len(value) // 2} bytes, expected {ID_LENGTHS[key]}")
                    continue
                if set(value) == {"0"}:
                    problems.append(f"{where}: all zero")
                    continue
                out[key] = base64.b64encode(bytes.fromhex(value)).decode()
                continue
            if key in ENUM_KEYS and not isinstance(value, int):
                problems.append(f"{where}: enum is not an integer: {value!r}")
            if key in INT64_KEYS and not isinstance(value, str):
                problems.append(f"{where}: 64-bit integer is not a decimal string: {value!r}")
            if key == "bucketCounts" and not all(isinstance(item, str) for item in value):
                problems.append(f"{where}: 64-bit integers are not decimal strings: {value!r}")
            out[key] = fix(value, where, problems)
        return out
    if isinstance(node, list):
        return [fix(item, f"{path}[{i}]", problems) for i, item in enumerate(node)]
    return node


def validate_line(text, name):
    problems = []
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"{name}: not JSON: {error}"]
    if "resourceSpans" in document:
        message = ExportTraceServiceRequest()
    elif "resourceLogs" in document:
        message = ExportLogsServiceRequest()
    elif "resourceMetrics" in document:
        message = ExportMetricsServiceRequest()
    else:
        return [f"{name}: none of resourceSpans, resourceLogs, resourceMetrics"]
    fixed = fix(document, name, problems)
    try:
        json_format.ParseDict(fixed, message, ignore_unknown_fields=False)
    except json_format.ParseError as error:
        problems.append(f"{name}: schema: {error}")
    return problems


def main(paths):
    problems = []
    count = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    count += 1
                    problems += validate_line(line, f"{path}:{number}")
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"{count} documents valid")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
