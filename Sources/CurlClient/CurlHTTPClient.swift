import CCurl
import Synchronization

/// A blocking HTTP client over libcurl that runs requests at once and keeps their connections alive.
///
/// Each request takes an idle easy handle from a small pool (or makes one), so up to ``maxIdleHandles``
/// connections per client stay open between requests and are reused; requests never wait for one
/// another. Callers on the concurrency pool should use ``perform(_:)``, which runs the transfer on its
/// own thread so no cooperative thread blocks.
public final class CurlHTTPClient: Sendable {
    /// Idle handles, each with its own kept-alive connection. A handle is either here (under the mutex)
    /// or owned by the one ``send(_:cancellation:)`` that took it.
    private let idle: Mutex<[EasyHandle]>
    /// The User-Agent sent with every request.
    public let userAgent: String
    /// How many idle handles (and so kept-alive connections) the client keeps; more run at once when
    /// needed, and the extra ones are closed when done.
    public let maxIdleHandles: Int

    /// Creates a client; `maxIdleHandles` bounds the connections kept open between requests.
    public init(userAgent: String = "ecl/0.1", maxIdleHandles: Int = 16) {
        CurlGlobal.ensureInitialised()
        self.userAgent = userAgent
        self.maxIdleHandles = max(1, maxIdleHandles)
        self.idle = Mutex([])
    }

    /// Sends a request and waits for the whole answer, blocking the calling thread. Once `cancellation` is
    /// set, the transfer is aborted (within about a second) with a ``HTTPTransportError/Kind/cancelled`` error.
    public func send(_ request: HTTPRequest, cancellation: TransferCancellation? = nil) throws(HTTPTransportError) -> HTTPResponse {
        let handle = idle.withLock { $0.popLast() } ?? EasyHandle()
        let result = handle.perform(request, userAgent: userAgent, cancellation: cancellation)
        idle.withLock { handles in
            if handles.count < maxIdleHandles { handles.append(handle) }
        }
        return try result.get()
    }

    /// Sends a request from async code without blocking a cooperative thread; cancelling the task aborts
    /// the transfer.
    public func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let cancellation = TransferCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = BlockingThread { [self] in
                    do { continuation.resume(returning: try send(request, cancellation: cancellation)) } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}

/// Set to abort a transfer in flight (or about to start): libcurl's progress callback reads it.
public final class TransferCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Creates an unset flag.
    public init() {}

    /// Asks the transfer to stop.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether the transfer was asked to stop.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// Runs `curl_global_init` exactly once per process.
enum CurlGlobal {
    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    static func ensureInitialised() { _ = initialised }
}

/// Owns one libcurl easy handle and, through it, one kept-alive connection.
///
/// `@unchecked Sendable` because libcurl forbids using a handle from two threads at once, and
/// ``CurlHTTPClient`` guarantees it: a handle is either in the client's idle pool, under its mutex, or
/// held by the single `send` that took it out; it only crosses threads while in the pool.
final class EasyHandle: @unchecked Sendable {
    private let curl: UnsafeMutableRawPointer?

    init() { curl = curl_easy_init() }

    deinit { if let curl { curl_easy_cleanup(curl) } }

    func perform(_ request: HTTPRequest, userAgent: String, cancellation: TransferCancellation? = nil) -> Result<HTTPResponse, HTTPTransportError> {
        guard let curl else {
            return .failure(HTTPTransportError(kind: .other, message: "libcurl could not create a handle", url: request.url))
        }
        if cancellation?.isCancelled == true {
            return .failure(HTTPTransportError(kind: .cancelled, message: "cancelled before it was sent", url: request.url))
        }
        curl_easy_reset(curl)
        let sink = ResponseSink()
        if let limit = request.maxResponseBytes { sink.limit = max(0, limit) }
        // A line break in a header would end the headers early or add one: refused, the value never shown.
        if let bad = request.headers.first(where: { ($0.name + $0.value).utf8.contains { $0 == 10 || $0 == 13 || $0 == 0 } }) {
            return .failure(HTTPTransportError(kind: .other, message: "header '\(bad.name)' holds a line break (value not shown)", url: request.url))
        }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // An empty Expect stops libcurl from waiting for "100 Continue" on larger bodies.
        headerList = curl_slist_append(headerList, "Expect:")
        defer { curl_slist_free_all(headerList) }

        let timeoutMs = max(1, Int(request.timeoutSeconds * 1000))
        ecl_curl_setopt_string(curl, CURLOPT_URL, request.url)
        ecl_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method)
        ecl_curl_setopt_string(curl, CURLOPT_USERAGENT, userAgent)
        ecl_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, timeoutMs)
        ecl_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 10_000))
        ecl_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        ecl_curl_setopt_long(curl, CURLOPT_TCP_KEEPALIVE, 1)
        ecl_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList)
        if let tls = request.tls {
            if let file = tls.certificateAuthorityFile { ecl_curl_setopt_string(curl, CURLOPT_CAINFO, file) }
            if let file = tls.clientCertificateFile { ecl_curl_setopt_string(curl, CURLOPT_SSLCERT, file) }
            if let file = tls.clientKeyFile { ecl_curl_setopt_string(curl, CURLOPT_SSLKEY, file) }
        }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        ecl_curl_setopt_write_function(curl) { data, size, count, context in
            let bytes = size * count
            guard let data, let context else { return bytes }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
            let room = sink.limit - sink.body.count
            guard bytes <= room else {
                // Past the limit: keep what fits and stop the transfer (returning less than given ends it).
                sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: max(0, room)))
                sink.truncated = true
                return 0
            }
            sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: bytes))
            return bytes
        }
        ecl_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context)
        ecl_curl_setopt_header_function(curl) { data, size, count, context in
            let bytes = size * count
            guard let data, let context else { return bytes }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
            sink.addHeaderLine(String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self))
            return bytes
        }
        ecl_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, context)
        if let cancellation {
            // Unretained: the flag outlives the transfer (the caller holds it until send returns).
            let flag = Unmanaged.passUnretained(cancellation).toOpaque()
            ecl_curl_setopt_progress(curl, { context, _, _, _, _ in
                guard let context else { return 0 }
                return Unmanaged<TransferCancellation>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
            }, flag)
        }

        let code: CURLcode = request.body.withUnsafeBytes { body in
            if request.method != "GET" {
                // POSTFIELDS does not copy: the body stays alive for the whole perform inside this closure.
                ecl_curl_setopt_postfields(curl, body.baseAddress, body.count)
            }
            return curl_easy_perform(curl)
        }
        // A body stopped at its limit ends the transfer with a write error: the answer is still whole but for
        // the rest of its body.
        guard code == CURLE_OK || (code == CURLE_WRITE_ERROR && sink.truncated) else {
            let message = String(cString: curl_easy_strerror(code))
            return .failure(HTTPTransportError(kind: Self.kind(of: code), message: message, url: request.url))
        }
        var status = 0
        ecl_curl_getinfo_response_code(curl, &status)
        var response = HTTPResponse(status: status, headers: sink.headers, body: sink.body)
        response.bodyTruncated = sink.truncated
        return .success(response)
    }

    static func kind(of code: CURLcode) -> HTTPTransportError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: .unreachable
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE: .connection
        case CURLE_ABORTED_BY_CALLBACK: .cancelled
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ISSUER_ERROR:
            .tls
        default: .other
        }
    }
}

/// Collects one response's headers and body from libcurl's callbacks.
final class ResponseSink {
    var body: [UInt8] = []
    /// The most body bytes kept.
    var limit = Int.max
    /// Whether the body went past the limit.
    var truncated = false
    var headers: [String: String] = [:]

    func addHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = [:]  // a new response (after a redirect or a 100 Continue) starts afresh
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        headers[name] = value
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
