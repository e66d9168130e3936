import CCurl
import Synchronization

/// A blocking HTTP client over libcurl that keeps its connection alive between requests.
///
/// One easy handle is reused for every request, so connections to the same host are kept alive.
/// Requests are serialised by a mutex: the handle is used by one thread at a time. Callers on the
/// concurrency pool should run ``send(_:)`` off the cooperative threads (see ``CurlHTTPClient/perform(_:)``).
public final class CurlHTTPClient: Sendable {
    /// The easy handle, guarded by the mutex. libcurl requires that a handle is never used by two threads at once.
    private let handle: Mutex<EasyHandle>
    /// The User-Agent sent with every request.
    public let userAgent: String

    /// Creates a client with its own connection.
    public init(userAgent: String = "ecl/0.1") {
        CurlGlobal.ensureInitialised()
        self.userAgent = userAgent
        self.handle = Mutex(EasyHandle())
    }

    /// Sends a request and waits for the whole answer, blocking the calling thread.
    public func send(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
        let result = handle.withLock { easy in easy.perform(request, userAgent: userAgent) }
        return try result.get()
    }

    /// Sends a request from async code without blocking a cooperative thread.
    public func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            let thread = BlockingThread { [self] in
                do { continuation.resume(returning: try send(request)) } catch { continuation.resume(throwing: error) }
            }
            thread.start()
        }
    }
}

/// Runs `curl_global_init` exactly once per process.
enum CurlGlobal {
    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    static func ensureInitialised() { _ = initialised }
}

/// Owns one libcurl easy handle. Not thread-safe by itself: ``CurlHTTPClient`` guards it.
final class EasyHandle {
    private let curl: UnsafeMutableRawPointer?

    init() { curl = curl_easy_init() }

    deinit { if let curl { curl_easy_cleanup(curl) } }

    func perform(_ request: HTTPRequest, userAgent: String) -> Result<HTTPResponse, HTTPTransportError> {
        guard let curl else {
            return .failure(HTTPTransportError(kind: .other, message: "libcurl could not create a handle", url: request.url))
        }
        curl_easy_reset(curl)
        let sink = ResponseSink()
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
        let context = Unmanaged.passUnretained(sink).toOpaque()
        ecl_curl_setopt_write_function(curl) { data, size, count, context in
            let bytes = size * count
            guard let data, let context else { return bytes }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
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

        let code: CURLcode = request.body.withUnsafeBytes { body in
            if request.method != "GET" {
                // POSTFIELDS does not copy: the body stays alive for the whole perform inside this closure.
                ecl_curl_setopt_postfields(curl, body.baseAddress, body.count)
            }
            return curl_easy_perform(curl)
        }
        guard code == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(code))
            return .failure(HTTPTransportError(kind: Self.kind(of: code), message: message, url: request.url))
        }
        var status = 0
        ecl_curl_getinfo_response_code(curl, &status)
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
    }

    static func kind(of code: CURLcode) -> HTTPTransportError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: .unreachable
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE: .connection
        default: .other
        }
    }
}

/// Collects one response's headers and body from libcurl's callbacks.
final class ResponseSink {
    var body: [UInt8] = []
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
