import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A scriptable HTTP/1.1 server on 127.0.0.1 for fault injection: it answers each request with the
/// next scripted ``Reply`` (a status and body, a hang, or a dropped connection) and records what it got.
///
/// It is for what a test must provoke (a 503, a hang, a reset), never for what a test claims to prove.
public final class LocalHTTPServer: Sendable {
    private let core: ServerCore

    /// How to answer one request.
    public enum Reply: Sendable {
        /// Answer with this status, headers and body, `after` seconds from reading the request (a slow model).
        case respond(status: Int, headers: [String: String] = [:], body: String = "", after: Double = 0)
        /// Read the request, then say nothing for this many seconds and close.
        case hang(seconds: Double)
        /// Read the request, then close the connection without answering.
        case drop
    }

    /// A request as received.
    public struct Request: Sendable {
        /// The method, such as `POST`.
        public let method: String
        /// The path, such as `/v1/messages`.
        public let path: String
        /// Headers with lowercased names.
        public let headers: [String: String]
        /// The raw body.
        public let body: [UInt8]

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The port the server listens on.
    public var port: Int { core.port }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a server that answers with `script` in order, then with `fallback` for every later request.
    public init(script: [Reply] = [], fallback: Reply = .respond(status: 200, body: "{}")) throws {
        core = try ServerCore(script: script, fallback: fallback)
    }

    /// Stops the server when the test lets go of it.
    deinit { core.stop() }

    /// Every request received so far, in order.
    public var requests: [Request] { core.requests }

    /// The most requests the server held at once (read but not yet answered): the server's own record
    /// of how many calls overlapped.
    public var peakConcurrentRequests: Int { core.peakInFlight }

    /// How many connections the server has accepted (a client that keeps them alive opens few).
    public var connectionsAccepted: Int { core.accepted }

    /// Appends replies to the script.
    public func enqueue(_ replies: Reply...) { core.enqueue(replies) }

    /// Stops accepting and ends every connection.
    public func stop() { core.stop() }
}


/// The server's sockets and state, owned by its threads; ``LocalHTTPServer`` stops it when released.
final class ServerCore: Sendable {
    typealias Reply = LocalHTTPServer.Reply
    typealias Request = LocalHTTPServer.Request

    private struct State {
        var script: [Reply]
        var fallback: Reply
        var requests: [Request] = []
        var connections: Set<Int32> = []
        var inFlight = 0
        var peakInFlight = 0
        var accepted = 0
        var stopped = false
    }

    /// The port the server listens on.
    let port: Int
    private let listener: Int32
    private let state: Mutex<State>

    /// Starts a server that answers with `script` in order, then with `fallback` for every later request.
    init(script: [Reply] = [], fallback: Reply = .respond(status: 200, body: "{}")) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        state = Mutex(State(script: script, fallback: fallback))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Every request received so far, in order.
    var requests: [Request] { state.withLock { $0.requests } }

    /// The most requests held at once.
    var peakInFlight: Int { state.withLock { $0.peakInFlight } }

    /// How many connections were accepted.
    var accepted: Int { state.withLock { $0.accepted } }

    func enqueue(_ replies: [Reply]) { state.withLock { $0.script += replies } }

    /// Stops accepting and ends every connection. Sockets are only shut down here, and under the lock: each
    /// is closed by the thread that uses it after it has left the set under the same lock, so a descriptor
    /// shut down here is still this server's (shut down after the lock, a number closed meanwhile and reused
    /// by another test's socket in this process would be cut: that was a rare "Server returned nothing").
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            for fd in [listener] + Array(state.connections) { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(client)
                state.accepted += 1
                return true
            }
            guard accepted else {
                close(client)
                return
            }
            // Like a real server: answers leave at once instead of waiting for a delayed ACK.
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            // The thread owns `client` from here and closes it when the connection ends.
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        while let request = readRequest(fd, buffer: &buffer) {
            let reply: Reply = state.withLock { state in
                state.requests.append(request)
                state.inFlight += 1
                state.peakInFlight = max(state.peakInFlight, state.inFlight)
                return state.script.isEmpty ? state.fallback : state.script.removeFirst()
            }
            defer { state.withLock { $0.inFlight -= 1 } }
            switch reply {
            case .drop:
                shutdown(fd, Int32(SHUT_RDWR))
                return
            case .hang(let seconds):
                Thread.sleep(forTimeInterval: seconds)
                return
            case .respond(let status, let headers, let body, let delay):
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.utf8.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                guard writeAll(fd, Array((head + body).utf8)) else { return }
            }
        }
    }

    private func readRequest(_ fd: Int32, buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: separator)?.lowerBound
            if headerEnd == nil { guard readMore(fd, into: &buffer) else { return nil } }
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headerEnd! + separator.count
        while buffer.count < bodyStart + length { guard readMore(fd, into: &buffer) else { return nil } }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    /// Reads what has arrived; false once the peer has closed. A signal (the test process's children exit
    /// all the time) interrupts the call, which is tried again, as a real server does, not taken for a close.
    private func readMore(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        var count: Int
        repeat {
            count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (bound, read, released).
public func freeLocalPort() throws -> Int {
    let server = try LocalHTTPServer()
    let port = server.port
    server.stop()
    return port
}

/// A TCP connection to 127.0.0.1:`port` (its descriptor, close-on-exec), or nil when nothing accepts there.
public func connectToLocalPort(_ port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        return nil
    }
    return fd
}
