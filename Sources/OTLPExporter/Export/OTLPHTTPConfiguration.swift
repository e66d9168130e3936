import CurlClient
import JSONWriting

/// How to reach an OTLP/HTTP collector, resolved from flags and the environment per the OTLP exporter
/// specification.
public struct OTLPHTTPConfiguration: Sendable, Equatable {
    /// Body compression.
    public enum Compression: String, Sendable, Equatable { case gzip, none }

    /// Where spans go: the generic endpoint + `/v1/traces`, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is.
    public var tracesURL: String
    /// Where logs go: the generic endpoint + `/v1/logs`, or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as it is.
    public var logsURL: String
    /// Extra headers (OTEL_EXPORTER_OTLP_HEADERS, `--otlp-header K=V`); values may be secrets and are never printed.
    public var headers: [Header]
    /// gzip (the default) or none. Environment: OTEL_EXPORTER_OTLP_COMPRESSION.
    public var compression: Compression
    /// Each request's time limit in seconds. Default 10. Environment (milliseconds): OTEL_EXPORTER_OTLP_TIMEOUT.
    public var timeoutSeconds: Double
    /// The gzip level, 1 (fastest) to 9 (smallest): ``defaultGzipLevel`` unless set (`ECL_OTLP_GZIP_LEVEL` in
    /// the command). Measured on ECL's batches: levels 1–3 cost half of 6's CPU; 3 sends 20% more bytes than 6.
    public var gzipLevel: Int32 = defaultGzipLevel

    /// The default gzip level: 3, as fast as 1 and 16% smaller (see the README's benchmarks).
    public static let defaultGzipLevel: Int32 = 3

    /// The collector's scheme, host and port, for messages (from the traces URL, else the logs URL).
    public var collectorName: String {
        let url = tracesURL.isEmpty ? logsURL : tracesURL
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        return String(url[..<schemeEnd.upperBound]) + rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }

    /// What makes `signal`'s destination this one and no other: its whole URL (path and query included) and
    /// every header, names and values. Only ever hashed (``Spool/prefix(_:destination:)``), never shown: the
    /// spool drains to a destination only what was meant for it, so one tenant's batches are never sent to
    /// another path, or with another tenant's credentials.
    public func destinationIdentity(for signal: OTLPSignal) -> String {
        let url = signal == .traces ? tracesURL : logsURL
        let sorted = headers.map { $0.name.lowercased() + ":" + $0.value }.sorted()
        return ([url] + sorted).joined(separator: "\n")
    }

    /// A header; its value is never printed.
    public struct Header: Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        public var description: String { "\(name): <redacted>" }
    }

    /// Creates a configuration.
    public init(tracesURL: String, logsURL: String, headers: [Header] = [], compression: Compression = .gzip, timeoutSeconds: Double = 10) {
        self.tracesURL = tracesURL
        self.logsURL = logsURL
        self.headers = headers
        self.compression = compression
        self.timeoutSeconds = timeoutSeconds
    }

    /// Resolves the configuration; nil when no endpoint is set anywhere (OTLP export off).
    /// Flags win over the environment. Every bad value is an ``OTLPConfigError`` naming the option.
    public static func resolve(
        environment: [String: String], endpointFlag: String?, headerFlags: [String], compressionFlag: String?
    ) throws(OTLPConfigError) -> OTLPHTTPConfiguration? {
        let generic: (String, String)? = endpointFlag.map { ($0, "--otlp-endpoint") }
            ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"].flatMap { $0.isEmpty ? nil : ($0, "OTEL_EXPORTER_OTLP_ENDPOINT") }
        let tracesSpecific = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        let logsSpecific = environment["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        // Flags are checked even when nothing exports: what a user typed is never silently accepted.
        let flagHeaders = try headerFlags.map { item throws(OTLPConfigError) in try header(item, option: "--otlp-header", percentDecoded: false) }
        if let compressionFlag, Compression(rawValue: compressionFlag.lowercased()) == nil {
            throw OTLPConfigError(option: "--otlp-compression", value: compressionFlag, expected: "gzip or none")
        }
        guard generic != nil || tracesSpecific != nil || logsSpecific != nil else { return nil }

        func base(_ endpoint: (String, String)) throws(OTLPConfigError) -> String {
            try validate(endpoint.0, option: endpoint.1)
            return endpoint.0
        }
        var tracesURL: String
        var logsURL: String
        // The flag is generic and wins over every environment endpoint. The signal's path goes before a query.
        if let generic, generic.1 == "--otlp-endpoint" {
            let root = try base(generic)
            tracesURL = URLText.appendingPath(root, "v1/traces")
            logsURL = URLText.appendingPath(root, "v1/logs")
        } else {
            let root = try generic.map { endpoint throws(OTLPConfigError) in try base(endpoint) }
            if let tracesSpecific { try validate(tracesSpecific, option: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") }
            if let logsSpecific { try validate(logsSpecific, option: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") }
            tracesURL = tracesSpecific ?? root.map { URLText.appendingPath($0, "v1/traces") } ?? ""
            logsURL = logsSpecific ?? root.map { URLText.appendingPath($0, "v1/logs") } ?? ""
        }

        var headers: [Header] = []
        if let text = environment["OTEL_EXPORTER_OTLP_HEADERS"], !text.isEmpty {
            for item in text.split(separator: ",") where !item.trimmingSpaces().isEmpty {
                headers.append(try header(String(item), option: "OTEL_EXPORTER_OTLP_HEADERS", percentDecoded: true))
            }
        }
        headers += flagHeaders

        let compressionText = compressionFlag ?? environment["OTEL_EXPORTER_OTLP_COMPRESSION"].flatMap { $0.isEmpty ? nil : $0 } ?? "gzip"
        guard let compression = Compression(rawValue: compressionText.lowercased()) else {
            throw OTLPConfigError(
                option: compressionFlag != nil ? "--otlp-compression" : "OTEL_EXPORTER_OTLP_COMPRESSION", value: compressionText,
                expected: "gzip or none")
        }
        var timeout = 10.0
        if let text = environment["OTEL_EXPORTER_OTLP_TIMEOUT"], !text.isEmpty {
            guard let milliseconds = Int(text.trimmingSpaces()), milliseconds > 0 else {
                throw OTLPConfigError(option: "OTEL_EXPORTER_OTLP_TIMEOUT", value: text, expected: "milliseconds, a whole number above 0")
            }
            timeout = Double(milliseconds) / 1000
        }
        return OTLPHTTPConfiguration(tracesURL: tracesURL, logsURL: logsURL, headers: headers, compression: compression, timeoutSeconds: timeout)
    }

    /// A warning when the environment asks for a protocol other than OTLP/HTTP with JSON, the one this exporter
    /// speaks (`OTEL_EXPORTER_OTLP_PROTOCOL`, or its `_TRACES_` / `_LOGS_` form, which wins for its signal),
    /// for the `signals` exported; nil when it asks for none or for `http/json`. The export goes on with http/json: a collector that
    /// listens on 4318 takes it; one that takes only gRPC (4317) or only protobuf refuses it, and the
    /// warning says why.
    public static func protocolWarning(environment: [String: String], signals: [OTLPSignal] = [.traces, .logs]) -> String? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.trimmingSpaces().isEmpty ? nil : $0 } }
        let generic = value("OTEL_EXPORTER_OTLP_PROTOCOL")
        var asked: [String] = []
        for signal in signals.map({ $0.rawValue.uppercased() }) {
            let name = "OTEL_EXPORTER_OTLP_\(signal)_PROTOCOL"
            if let value = value(name) {
                if value.trimmingSpaces().lowercased() != "http/json" { asked.append("\(name)=\(VisibleText.escape(value))") }
            } else if let generic, generic.trimmingSpaces().lowercased() != "http/json" {
                let entry = "OTEL_EXPORTER_OTLP_PROTOCOL=\(VisibleText.escape(generic))"
                if !asked.contains(entry) { asked.append(entry) }
            }
        }
        guard !asked.isEmpty else { return nil }
        return "\(asked.joined(separator: ", ")): this exporter sends OTLP/HTTP with JSON only (the protocols are grpc, "
            + "http/protobuf, http/json); http/json is used"
    }

    /// Accepts `http://host[:port][/path]` and `https://…`. An error never shows credentials: user
    /// information and the query are shown as `***`.
    static func validate(_ url: String, option: String) throws(OTLPConfigError) {
        let expected = "an http:// or https:// URL such as http://127.0.0.1:4318"
        let shown = URLText.redacted(url)
        let lowered = url.lowercased()
        guard let schemeEnd = lowered.range(of: "://"), ["http", "https"].contains(String(lowered[..<schemeEnd.lowerBound])) else {
            throw OTLPConfigError(option: option, value: shown, expected: expected)
        }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            throw OTLPConfigError(option: option, value: shown, expected: expected + ", without credentials (send them with a header, --otlp-header or OTEL_EXPORTER_OTLP_HEADERS)")
        }
        if let problem = URLText.httpProblem(url) {
            throw OTLPConfigError(option: option, value: shown, expected: expected + " (\(problem))")
        }
    }

    /// Parses `name=value`; the error never shows the value (it may be a secret).
    static func header(_ text: String, option: String, percentDecoded: Bool) throws(OTLPConfigError) -> Header {
        let trimmed = text.trimmingSpaces()
        guard let equals = trimmed.firstIndex(of: "=") else {
            throw OTLPConfigError("\(option): a header is not in the form NAME=VALUE (value not shown); expected NAME=VALUE")
        }
        let name = String(trimmed[..<equals]).trimmingSpaces()
        var value = String(trimmed[trimmed.index(after: equals)...]).trimmingSpaces()
        let token = name.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
        guard !name.isEmpty, token else {
            // Not shown: `Authorization: Basic …=` (curl's syntax) would put the credential here.
            throw OTLPConfigError(
                "\(option): a header name must be made of letters, digits and !#$%&'*+-.^_`|~ (the text before '=' is not; not shown, it may hold a secret); expected NAME=VALUE")
        }
        if percentDecoded {
            guard let decoded = value.removingPercentEncodingStrict() else {
                throw OTLPConfigError("\(option): the value of header '\(name)' has a malformed percent escape (value not shown)")
            }
            value = decoded
        }
        guard !value.contains("\r"), !value.contains("\n") else {
            throw OTLPConfigError("\(option): the value of header '\(name)' holds a line break (value not shown)")
        }
        return Header(name: name, value: value)
    }
}
