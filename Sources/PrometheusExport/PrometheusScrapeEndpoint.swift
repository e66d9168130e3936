#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A Prometheus scrape endpoint for the life of a run (`OTEL_METRICS_EXPORTER=prometheus`): `GET /metrics`
/// (or `/`) answers the text `render` returns; anything else 404. One small thread accepts; each connection is
/// answered on a thread of its own (up to ``maxConnections`` at once, more get 503 at once; never on a shared
/// pool, whose few threads the run's work needs), so a client that is slow to send its request never holds up
/// Prometheus's scrape or the run; each answer is written in one piece with TCP_NODELAY, as a real server does.
public final class PrometheusScrapeEndpoint: Sendable {
    /// The URL Prometheus scrapes, such as `http://127.0.0.1:9464/metrics`.
    public let url: String
    /// Connections answered at once; one more is told 503 and closed.
    public static let maxConnections = 8
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    private let served = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    /// The connections being answered, to cut at ``stop()``; closed under the lock, so a number is never cut
    /// after it was reused.
    private let connections = Mutex<Set<Int32>>([])
    private let answering = DispatchGroup()
    private let finished = DispatchSemaphore(value: 0)

    /// Why the endpoint could not listen.
    public struct ListenError: Error, CustomStringConvertible {
        /// One line: where, and the system's reason.
        public let description: String
    }

    /// Listens on `host`:`port` (a name or an IP address) and serves `render` until ``stop()``. A client has
    /// `headSeconds` to send its request's head.
    public init(host: String, port: Int, headSeconds: Int = 2, render: @escaping @Sendable () -> [UInt8]) throws(ListenError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &found)
        guard status == 0, let address = found else {
            throw ListenError(description: "cannot listen on \(host):\(port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ListenError(description: "cannot listen on \(host):\(port): \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0, listen(socket, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw ListenError(description: "cannot listen on \(host):\(port): \(reason)")
        }
        listener = socket
        url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/metrics"
        // The thread holds the endpoint until stop() (Telemetry stops it at the run's end).
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopped.load(ordering: .acquiring) {
                var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 200) > 0 else { continue }
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                guard inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue <= Self.maxConnections else {
                    inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
                    Self.send(Self.emptyAnswer("503 Service Unavailable"), to: connection)
                    close(connection)
                    continue
                }
                answering.enter()
                connections.withLock { _ = $0.insert(connection) }
                let worker = Thread { [self] in
                    if Self.answer(connection, headSeconds: headSeconds, render: render) { served.wrappingAdd(1, ordering: .relaxed) }
                    connections.withLock {
                        $0.remove(connection)
                        close(connection)
                    }
                    inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
                    answering.leave()
                }
                worker.name = "ecl-prometheus-answer"
                worker.start()
            }
        }
        thread.name = "ecl-prometheus-scrape"
        thread.start()
    }

    /// Scrapes answered so far.
    public var scrapes: Int { served.load(ordering: .relaxed) }

    /// Stops listening and cuts the connections still open (a client still sending its request, or slow to
    /// read an answer, is not waited for). Later calls do nothing.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = finished.wait(timeout: .now() + 5)
        close(listener)
        connections.withLock { for connection in $0 { shutdown(connection, Int32(SHUT_RDWR)) } }
        _ = answering.wait(timeout: .now() + 5)
    }

    /// Reads one request head (up to 8 KiB, all of it within `headSeconds`: a client that trickles bytes is
    /// cut off) and answers it; true when it was a scrape (a GET of the metrics).
    private static func answer(_ connection: Int32, headSeconds: Int, render: @Sendable () -> [UInt8]) -> Bool {
        var yes: Int32 = 1
        setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = DispatchTime.now() + .seconds(headSeconds)
        var head: [UInt8] = []
        var end: Int?
        var chunk = [UInt8](repeating: 0, count: 2048)
        while end == nil, head.count <= 8192 {
            let now = DispatchTime.now().uptimeNanoseconds
            let leftMs = deadline.uptimeNanoseconds > now ? Int32(clamping: (deadline.uptimeNanoseconds - now) / 1_000_000) : 0
            var ready = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard leftMs > 0, poll(&ready, 1, leftMs) > 0 else { return false }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            head += chunk[..<count]
            end = Self.endOfHead(head)
        }
        guard let end, end <= 8192 else {
            send(emptyAnswer("431 Request Header Fields Too Large"), to: connection)
            return false
        }
        head = Array(head[..<end])
        // The request line: METHOD SP TARGET SP HTTP/1.x, nothing else (RFC 9112 §3).
        let requestLine = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        let method = requestLine.first.map(String.init) ?? ""
        let path = requestLine.count > 1 ? String(requestLine[1].split(separator: "?", maxSplits: 1).first ?? "") : ""
        var status = "200 OK"
        var body: [UInt8] = []
        var type = "text/plain; version=0.0.4; charset=utf-8"
        if requestLine.count != 3 || !requestLine[2].hasPrefix("HTTP/1.") || method.isEmpty || !path.hasPrefix("/") {
            (status, body, type) = ("400 Bad Request", Array("GET /metrics HTTP/1.1\n".utf8), "text/plain; charset=utf-8")
        } else if method != "GET" && method != "HEAD" {
            (status, body, type) = ("405 Method Not Allowed", Array("GET /metrics\n".utf8), "text/plain; charset=utf-8")
        } else if path == "/metrics" || path == "/" {
            body = render()
        } else {
            (status, body, type) = ("404 Not Found", Array("the metrics are at /metrics\n".utf8), "text/plain; charset=utf-8")
        }
        var response = Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        if method != "HEAD" { response += body }
        guard send(response, to: connection) else { return false }
        return status.hasPrefix("200") && method == "GET"
    }

    /// An answer of `status` alone: no body, the connection closed after it.
    private static func emptyAnswer(_ status: String) -> [UInt8] {
        Array("HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
    }

    /// Writes all of `bytes` (one write when the socket takes it); false when the client went away.
    @discardableResult
    private static func send(_ bytes: [UInt8], to connection: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// Where the request's head ends (after its blank line), if it has. Lines may end in CRLF or, as RFC 9112
    /// §2.2 lets a server accept, a bare LF.
    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 1..<bytes.count where bytes[index] == 10 {
            if bytes[index - 1] == 10 { return index + 1 }
            if index >= 2, bytes[index - 1] == 13, bytes[index - 2] == 10 { return index + 1 }
        }
        return nil
    }
}
