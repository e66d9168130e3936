/// One HTTP request for ``CurlHTTPClient``.
public struct HTTPRequest: Sendable {
    /// The HTTP method, such as `POST`.
    public var method: String
    /// The absolute URL (`http://` or `https://`).
    public var url: String
    /// Request headers, sent in order. Values may be secrets: the client never logs or prints them.
    public var headers: [(name: String, value: String)]
    /// The request body; empty for none.
    public var body: [UInt8]
    /// The whole request's time limit in seconds, connection included.
    public var timeoutSeconds: Double
    /// The most bytes of the response body kept; past them the transfer stops and the response is marked
    /// ``HTTPResponse/bodyTruncated`` (its status and headers are whole). Nil for no limit.
    public var maxResponseBytes: Int?
    /// The files for `https://`: whom to trust and who we are. Nil for the system's trust store and no
    /// client certificate.
    public var tls: TLSFiles?

    /// Creates a request; a POST with no headers and a 10 s limit unless told otherwise.
    public init(
        method: String = "POST",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeoutSeconds: Double = 10,
        maxResponseBytes: Int? = nil,
        tls: TLSFiles? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.maxResponseBytes = maxResponseBytes
        self.tls = tls
    }
}

/// PEM files for a TLS connection; each nil leaves libcurl's default.
public struct TLSFiles: Sendable, Equatable, Hashable {
    /// The certificate authorities that may sign the server's certificate (instead of the system's store).
    public var certificateAuthorityFile: String?
    /// The client certificate, for servers that ask for one (mutual TLS).
    public var clientCertificateFile: String?
    /// The client certificate's private key.
    public var clientKeyFile: String?

    /// Creates a set of files.
    public init(certificateAuthorityFile: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil) {
        self.certificateAuthorityFile = certificateAuthorityFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }

    /// True when no file is set.
    public var isEmpty: Bool { certificateAuthorityFile == nil && clientCertificateFile == nil && clientKeyFile == nil }
}

/// What the server answered.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code, such as 200.
    public var status: Int
    /// Response headers with lowercased names; the last value wins when a name repeats.
    public var headers: [String: String]
    /// The raw body (its first ``HTTPRequest/maxResponseBytes`` when it was longer).
    public var body: [UInt8]
    /// True when the body was longer than the request's limit and the rest was not read.
    public var bodyTruncated = false

    /// Creates a response.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (invalid bytes repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A request that got no HTTP answer at all.
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, for retry decisions.
    public enum Kind: Sendable, Equatable {
        /// No server could be reached at all: the connection was refused or the host name is unknown.
        /// Known in milliseconds, and retrying at once would not help.
        case unreachable
        /// The connection broke before an answer.
        case connection
        /// The time limit passed.
        case timeout
        /// The caller gave up on it (its task was cancelled) and the transfer was aborted.
        case cancelled
        /// TLS could not be set up: the server's certificate is not trusted, or a certificate or key file of
        /// ours cannot be used. Retrying would fail the same way.
        case tls
        /// Anything else libcurl reports (a bad URL, TLS set-up, …).
        case other
    }

    /// What kind of failure.
    public var kind: Kind
    /// libcurl's description of the failure.
    public var message: String
    /// The URL that was asked for.
    public var url: String

    /// Creates a transport error.
    public init(kind: Kind, message: String, url: String) {
        self.kind = kind
        self.message = message
        self.url = url
    }

    public var description: String { "HTTP request to \(URLText.redacted(url)) failed: \(message)" }
}
