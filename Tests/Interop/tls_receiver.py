#!/usr/bin/env python3
"""An HTTPS endpoint for the TLS test: it proves the exporter's TLS files reach the connection.

Usage: tls_receiver.py PORT SERVER_CERT SERVER_KEY CA_FILE
Serves https://127.0.0.1:PORT with SERVER_CERT, and requires a client certificate signed by CA_FILE (mutual TLS).
Answers every POST with 200 and `{}` (headers and body in one write, TCP_NODELAY), and prints one line per
request: `POST <path> <client certificate's common name> <body bytes>`. Prints "ready" once listening; exits on
SIGTERM. A handshake that fails (no client certificate, an untrusted one) never reaches a request line.
"""
import http.server
import os
import signal
import ssl
import sys

# The benchmarks' handler: kept alive, TCP_NODELAY, status, headers and body in one write.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Benchmarks"))
from real_http import RealHandler  # noqa: E402

signal.pthread_sigmask(signal.SIG_SETMASK, [])
port, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(RealHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        peer = self.connection.getpeercert() or {}
        name = next((value for field in peer.get("subject", ()) for key, value in field if key == "commonName"), "-")
        print(f"POST {self.path} {name} {len(body)}", flush=True)
        self.answer(b"{}")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
context.load_verify_locations(ca)
context.verify_mode = ssl.CERT_REQUIRED
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
server.serve_forever()
