"""The benchmarks' local servers answer like real ones: HTTP/1.1 kept alive, TCP_NODELAY, and status line,
headers and body in one write (sent apart, a delayed ACK adds ~40 ms to every request and the benchmark
measures itself). Subclass RealHandler and answer with self.answer(body)."""
import http.server
import socket


class RealHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, body, status=200, content_type="application/json"):
        """One write: BaseHTTPRequestHandler alone would send the headers and the body apart."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._headers_buffer.append(body)
        self.flush_headers()
