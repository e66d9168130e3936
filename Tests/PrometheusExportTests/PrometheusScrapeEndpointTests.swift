import CurlClient
import Foundation
import Glibc
import PrometheusExport
import TestSupport
import Testing

/// The scrape endpoint (`OTEL_METRICS_EXPORTER=prometheus`) as clients meet it: a scrape is answered while
/// another client is slow to ask, too many connections at once are refused rather than queued, only a GET
/// of the metrics is a scrape, and the port is free once it stops.
@Suite struct PrometheusScrapeEndpointTests {
    static let exposition = "ecl_workflows_completed_total{ecl_workflow_name=\"simple\"} 3\n"

    /// An endpoint on a free port of 127.0.0.1 serving ``exposition``.
    static func endpoint(headSeconds: Int = 2) throws -> (endpoint: PrometheusScrapeEndpoint, port: Int) {
        let port = try freeLocalPort()
        let endpoint = try PrometheusScrapeEndpoint(host: "127.0.0.1", port: port, headSeconds: headSeconds) { Array(exposition.utf8) }
        return (endpoint, port)
    }

    /// A scrape as Prometheus makes it (libcurl).
    static func scrape(_ port: Int, path: String = "/metrics", method: String = "GET") throws -> HTTPResponse {
        try CurlHTTPClient(userAgent: "ecl-tests").send(HTTPRequest(method: method, url: "http://127.0.0.1:\(port)\(path)", timeoutSeconds: 120))
    }

    @Test func aClientSlowToAskNeverHoldsUpAScrape() throws {
        // A client has a minute to send its request: served one at a time, the scrape would wait that long
        // and the slow client be cut off before it asks.
        let (endpoint, port) = try Self.endpoint(headSeconds: 60)
        defer { endpoint.stop() }
        let slow = try RawConnection(port: port)
        defer { slow.close() }
        let scrape = try Self.scrape(port)
        #expect(scrape.status == 200 && scrape.text == Self.exposition)
        // The slow client is still being waited for, and answered when its request comes.
        slow.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let late = slow.readAll()
        #expect(late.hasPrefix("HTTP/1.1 200 OK\r\n") && late.hasSuffix("\r\n\r\n" + Self.exposition), "\(late)")
        endpoint.stop()  // the answers under way are counted by then
        #expect(endpoint.scrapes == 2)
    }

    @Test func pastItsLimitAConnectionIsRefusedAtOnceNotQueued() throws {
        let (endpoint, port) = try Self.endpoint(headSeconds: 60)
        defer { endpoint.stop() }
        let waiting = try (0..<PrometheusScrapeEndpoint.maxConnections).map { _ in try RawConnection(port: port) }
        let over = try RawConnection(port: port)
        defer { over.close() }
        #expect(over.readAll().hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        // Once those go away, scrapes are answered again (as soon as their answers have ended).
        for connection in waiting { connection.close() }
        var status = 0
        for _ in 0..<200 where status != 200 {
            status = try Self.scrape(port).status
            if status != 200 { usleep(50_000) }
        }
        #expect(status == 200)
        endpoint.stop()
        #expect(endpoint.scrapes == 1, "a refused connection is no scrape")
    }

    @Test func onlyAGetOfTheMetricsIsAScrape() throws {
        let (endpoint, port) = try Self.endpoint()
        defer { endpoint.stop() }
        let root = try Self.scrape(port, path: "/?name[]=x")
        #expect(root.status == 200 && root.text == Self.exposition)
        #expect(root.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try Self.scrape(port, path: "/other").status == 404)
        #expect(try Self.scrape(port, method: "POST").status == 405)
        let head = RawConnectionResult(try RawConnection(port: port), "HEAD /metrics HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(head.text.hasPrefix("HTTP/1.1 200 OK\r\n") && head.text.hasSuffix("\r\n\r\n"), "a HEAD has no body: \(head.text)")
        let huge = RawConnectionResult(try RawConnection(port: port), "GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 9000) + "\r\n\r\n")
        #expect(huge.text.hasPrefix("HTTP/1.1 431 "), "\(huge.text.prefix(80))")
        // Lines ended by a bare LF are a request too; a request line that is not METHOD TARGET HTTP/1.x is 400.
        let bareLF = RawConnectionResult(try RawConnection(port: port), "GET /metrics HTTP/1.1\nHost: h\n\n")
        #expect(bareLF.text.hasPrefix("HTTP/1.1 200 OK\r\n") && bareLF.text.hasSuffix(Self.exposition), "\(bareLF.text)")
        for odd in ["GET /metrics FOO/9.9\r\n\r\n", " GET /metrics HTTP/1.1\r\n\r\n", "GET\t/metrics\tHTTP/1.1\r\n\r\n", "\u{0}\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n"] {
            let answer = RawConnectionResult(try RawConnection(port: port), odd)
            #expect(answer.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(odd.debugDescription): \(answer.text)")
        }
        // A client that sends part of a head and stops is cut off after its head time, unanswered.
        let trickle = RawConnectionResult(try RawConnection(port: port), "GET /metr")
        #expect(trickle.text.isEmpty)
        endpoint.stop()
        #expect(endpoint.scrapes == 2)
    }

    @Test func stoppingCutsAClientStillAsking() throws {
        // A client with a minute left to send its request: stop does not wait for it, the connection is cut.
        let (endpoint, port) = try Self.endpoint(headSeconds: 60)
        let slow = try RawConnection(port: port)
        defer { slow.close() }
        #expect(try Self.scrape(port).status == 200)  // the slow one has been accepted by now
        endpoint.stop()
        #expect(slow.isClosedByPeer(), "cut when the endpoint stopped")
        #expect(endpoint.scrapes == 1)
    }

    @Test func theEndpointIsTheRunsOnly() throws {
        let (endpoint, port) = try Self.endpoint()
        #expect(try Self.scrape(port).status == 200)
        endpoint.stop()
        endpoint.stop()
        #expect(throws: (any Error).self) { try RawConnection(port: port) }
        #expect(throws: PrometheusScrapeEndpoint.ListenError.self) {
            _ = try PrometheusScrapeEndpoint(host: "no-such-host.invalid", port: port) { [] }
        }
    }
}

/// What a raw connection got back after sending `request`, read to the end (the endpoint closes each).
struct RawConnectionResult {
    let text: String
    init(_ connection: RawConnection, _ request: String) {
        connection.send(request)
        text = connection.readAll()
        connection.close()
    }
}

/// A TCP connection to 127.0.0.1 that sends what it is told, when told: a client slow to ask.
final class RawConnection {
    private var fd: Int32

    struct ConnectError: Error {}

    init(port: Int) throws {
        guard let fd = connectToLocalPort(port) else { throw ConnectError() }
        self.fd = fd
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// All it receives until the other end closes (or 120 s pass).
    func readAll() -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 1000) >= 0 else { break }
            if ready.revents == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether the other end has closed (or cut) the connection already: it is readable, and reads nothing.
    func isClosedByPeer() -> Bool {
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0
    }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
