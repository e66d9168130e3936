import CurlClient
import JSONWriting

/// Where each signal goes: for spans, log records and metrics, the collector's URL and how to talk to it.
/// Made by ``OTLPConfiguration`` (code, then the environment), or by `resolve(settings:endpoint:headers:compression:)`
/// for a command with flags; a signal that is not exported has no destination.
public struct OTLPHTTPConfiguration: Sendable, Equatable {
    /// Body compression.
    public enum Compression: String, Sendable, Equatable { case gzip, none }

    /// One signal's collector: its URL, headers, compression, time limit and TLS files.
    public struct Destination: Sendable, Equatable {
        /// The URL batches are posted to, such as `http://127.0.0.1:4318/v1/traces`.
        public var url: String
        /// Extra headers; values may be secrets and are never printed.
        public var headers: [Header]
        /// gzip (the default) or none.
        public var compression: Compression
        /// Each request's time limit in seconds. Default 10.
        public var timeoutSeconds: Double
        /// The PEM files for `https://` (trusted authorities, client certificate and key); nil for the system's.
        public var tls: TLSFiles?
        /// The gzip level, 1 (fastest) to 9 (smallest): ``OTLPHTTPConfiguration/defaultGzipLevel`` unless set.
        /// Measured on ECL's batches: levels 1–3 cost half of 6's CPU; 3 sends 20% more bytes than 6.
        public var gzipLevel: Int32

        /// Creates a destination.
        public init(
            url: String, headers: [Header] = [], compression: Compression = .gzip, timeoutSeconds: Double = 10, tls: TLSFiles? = nil,
            gzipLevel: Int32 = OTLPHTTPConfiguration.defaultGzipLevel
        ) {
            self.url = url
            self.headers = headers
            self.compression = compression
            self.timeoutSeconds = timeoutSeconds
            self.tls = tls
            self.gzipLevel = gzipLevel
        }
    }

    /// Where spans go; nil when they are not exported.
    public var traces: Destination?
    /// Where log records go; nil when they are not exported.
    public var logs: Destination?
    /// Where metrics go; nil when they are not exported.
    public var metrics: Destination?

    /// The default gzip level: 3, as fast as 1 and 16% smaller (see the README's benchmarks).
    public static let defaultGzipLevel: Int32 = 3

    /// Creates a configuration from each signal's destination.
    public init(traces: Destination?, logs: Destination?, metrics: Destination? = nil) {
        self.traces = traces
        self.logs = logs
        self.metrics = metrics
    }

    /// Creates a configuration whose two signals share headers, compression and time limit; an empty URL
    /// leaves that signal out.
    public init(tracesURL: String, logsURL: String, headers: [Header] = [], compression: Compression = .gzip, timeoutSeconds: Double = 10) {
        func destination(_ url: String) -> Destination? {
            url.isEmpty ? nil : Destination(url: url, headers: headers, compression: compression, timeoutSeconds: timeoutSeconds)
        }
        self.init(traces: destination(tracesURL), logs: destination(logsURL))
    }

    /// The destination of `signal`, if it is exported.
    public func destination(for signal: OTLPSignal) -> Destination? {
        switch signal {
        case .traces: traces
        case .logs: logs
        case .metrics: metrics
        }
    }

    /// Sets or removes the destination of `signal`.
    public mutating func setDestination(_ destination: Destination?, for signal: OTLPSignal) {
        switch signal {
        case .traces: traces = destination
        case .logs: logs = destination
        case .metrics: metrics = destination
        }
    }

    /// The signals that have a destination.
    public var signals: [OTLPSignal] { OTLPSignal.allCases.filter { destination(for: $0) != nil } }

    /// Sets the gzip level of every destination.
    public mutating func setGzipLevel(_ level: Int32) {
        traces?.gzipLevel = level
        logs?.gzipLevel = level
        metrics?.gzipLevel = level
    }

    /// The collector's scheme, host and port, for messages (from the first signal's URL).
    public var collectorName: String { Self.collectorName(of: signals.first.flatMap { destination(for: $0)?.url } ?? "") }

    /// One ``CollectorAvailability`` for each collector (scheme, host and port) the signals go to: two signals
    /// sent to one collector share it (a collector that is down costs one failed request, said once); a
    /// signal sent elsewhere has its own, so one collector down never holds back the other's batches.
    @_spi(Pipeline) public func availabilities(report: @escaping @Sendable (String) -> Void) -> [OTLPSignal: CollectorAvailability] {
        var byCollector: [String: CollectorAvailability] = [:]
        var result: [OTLPSignal: CollectorAvailability] = [:]
        for signal in signals {
            let name = Self.collectorName(of: destination(for: signal)?.url ?? "")
            let availability = byCollector[name] ?? CollectorAvailability(name: "the collector at \(name)", report: report)
            byCollector[name] = availability
            result[signal] = availability
        }
        return result
    }

    /// A URL's scheme, host and port.
    static func collectorName(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        return String(url[..<schemeEnd.upperBound]) + rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }

    /// What makes `signal`'s destination this one and no other: its whole URL (path and query included) and
    /// every header, names and values. Only ever hashed (``Spool/prefix(_:destination:)``), never shown: the
    /// spool drains to a destination only what was meant for it, so one tenant's batches are never sent to
    /// another path, or with another tenant's credentials.
    @_spi(Pipeline) public func destinationIdentity(for signal: OTLPSignal) -> String {
        guard let destination = destination(for: signal) else { return "" }
        let sorted = destination.headers.map { $0.name.lowercased() + ":" + $0.value }.sorted()
        return ([destination.url] + sorted).joined(separator: "\n")
    }

    /// The spool streams' prefix for `signal` sent here: the signal's name and a hash of its destination.
    @_spi(Pipeline) public func spoolPrefix(for signal: OTLPSignal) -> String {
        Spool.prefix(signal.rawValue, destination: destinationIdentity(for: signal))
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

    /// A value a program was given over the environment (a command's flag), with what gave it, for errors.
    @_spi(Pipeline) public struct Given: Sendable {
        /// The value as given.
        public var value: String
        /// What gave it, such as `--otlp-endpoint`.
        public var source: String

        /// Creates a given value.
        public init(_ value: String, from source: String) {
            self.value = value
            self.source = source
        }
    }

    /// The destinations for a program with its own settings over the environment (a command's flags):
    /// `settings` (the OpenTelemetry environment read by ``OTLPConfiguration/applyingEnvironment(_:warn:)``),
    /// then `endpoint` over every endpoint variable, `headers` (`NAME=VALUE`) added to each signal's headers,
    /// `compression` over every compression variable. Nil when no endpoint is set anywhere (export off), or
    /// when `settings` is disabled (OTEL_SDK_DISABLED). A given value that cannot be used is an
    /// ``OTLPConfigError`` naming its source; the plugin names no flag of its own.
    @_spi(Pipeline) public static func resolve(
        settings: OTLPConfiguration, endpoint: Given?, headers: [Given], compression: Given?
    ) throws(OTLPConfigError) -> OTLPHTTPConfiguration? {
        // Given values are checked even when nothing exports: what a user typed is never silently accepted.
        if let endpoint { try validate(endpoint.value, option: endpoint.source) }
        let flagHeaders = try headers.map { item throws(OTLPConfigError) in try header(item.value, option: item.source, percentDecoded: false) }
        var flagCompression: Compression?
        if let compression {
            guard let value = Compression(rawValue: compression.value.lowercased()) else {
                throw OTLPConfigError(option: compression.source, value: compression.value, expected: "gzip or none")
            }
            flagCompression = value
        }
        let endpointFlag = endpoint?.value
        var configuration = settings
        guard !configuration.isDisabled,
            endpointFlag != nil || configuration.endpoint != nil || configuration.traces.endpoint != nil || configuration.logs.endpoint != nil
                || configuration.metrics.endpoint != nil
        else { return nil }
        if let endpointFlag {
            configuration.endpoint = endpointFlag
            configuration.traces.endpoint = nil
            configuration.logs.endpoint = nil
            configuration.metrics.endpoint = nil
        }
        if let flagCompression {
            configuration.compression = flagCompression
            configuration.traces.compression = nil
            configuration.logs.compression = nil
            configuration.metrics.compression = nil
        }
        var destinations = configuration.destinations
        destinations.traces?.headers += flagHeaders
        destinations.logs?.headers += flagHeaders
        destinations.metrics?.headers += flagHeaders
        return destinations.signals.isEmpty ? nil : destinations
    }

    /// A warning when the environment asks for a protocol other than OTLP/HTTP with JSON, the one this exporter
    /// speaks (`OTEL_EXPORTER_OTLP_PROTOCOL`, or its `_TRACES_` / `_LOGS_` form, which wins for its signal),
    /// for the `signals` exported; nil when it asks for none or for `http/json`. The export goes on with http/json: a collector that
    /// listens on 4318 takes it; one that takes only gRPC (4317) or only protobuf refuses it, and the
    /// warning says why. Said where the destinations are known (nothing is said when nothing is exported).
    @_spi(Pipeline) public static func protocolWarning(environment: [String: String], signals: [OTLPSignal] = OTLPSignal.allCases) -> String? {
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
            throw OTLPConfigError(option: option, value: shown, expected: expected + ", without credentials (send them in a header: OTEL_EXPORTER_OTLP_HEADERS)")
        }
        if let problem = URLText.httpProblem(url) {
            throw OTLPConfigError(option: option, value: shown, expected: expected + " (\(problem))")
        }
    }

    /// An RFC 9110 token (a header's name, a baggage key): letters, digits and ``!#$%&'*+-.^_`|~``, not empty.
    static func isToken(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Headers the exporter writes, which a configured header would contradict (a wrong length, a second
    /// encoding): refused.
    static let reservedHeaders: Set<String> = [
        "content-length", "content-type", "content-encoding", "transfer-encoding", "host", "connection", "expect", "te", "upgrade",
        "trailer", "keep-alive", "proxy-connection",
    ]

    /// Parses `name=value`; the error never shows the value (it may be a secret).
    static func header(_ text: String, option: String, percentDecoded: Bool) throws(OTLPConfigError) -> Header {
        let trimmed = text.trimmingSpaces()
        guard let equals = trimmed.firstIndex(of: "=") else {
            throw OTLPConfigError("\(option): a header is not in the form NAME=VALUE (value not shown); expected NAME=VALUE")
        }
        let name = String(trimmed[..<equals]).trimmingSpaces()
        var value = String(trimmed[trimmed.index(after: equals)...]).trimmingSpaces()
        guard isToken(name) else {
            // Not shown: `Authorization: Basic …=` (curl's syntax) would put the credential here.
            throw OTLPConfigError(
                "\(option): a header name must be made of letters, digits and !#$%&'*+-.^_`|~ (the text before '=' is not; not shown, it may hold a secret); expected NAME=VALUE")
        }
        guard !reservedHeaders.contains(name.lowercased()) else {
            throw OTLPConfigError("\(option): header '\(name)' is set by the exporter itself (it frames and describes the body); expected any other header")
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
