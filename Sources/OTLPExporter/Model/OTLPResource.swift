/// The resource (who sends) and instrumentation scope (what library) of every exported batch.
@_spi(Pipeline) public struct OTLPResource: Sendable, Equatable {
    /// The resource's attributes: `service.name`, `service.version`, `telemetry.sdk.*` and OTEL_RESOURCE_ATTRIBUTES.
    public var attributes: [TelemetryAttribute]
    /// The instrumentation scope's name.
    public var scopeName: String
    /// The instrumentation scope's version.
    public var scopeVersion: String

    /// This library's version, sent as `telemetry.sdk.version` and the scope's version.
    public static let sdkVersion = "0.1.0"

    /// Creates a resource with exactly these attributes.
    public init(attributes: [TelemetryAttribute], scopeName: String, scopeVersion: String = sdkVersion) {
        self.attributes = attributes
        self.scopeName = scopeName
        self.scopeVersion = scopeVersion
    }

    /// The resource of a configuration whose environment has been applied: `service.name` from
    /// ``OTLPConfiguration/serviceName``, else its resource attributes, else `unknown_service:<process name>`
    /// (as the resource semantic conventions say); `service.version` when set; `telemetry.sdk.*`.
    public init(configuration: OTLPConfiguration, scopeName: String = "ecl-otlp") {
        var attributes = configuration.resourceAttributes
        let process = CommandLine.arguments.first.flatMap { $0.split(separator: "/").last.map(String.init) } ?? "swift"
        attributes["service.name"] = configuration.serviceName ?? attributes["service.name"] ?? "unknown_service:\(process)"
        if let version = configuration.serviceVersion { attributes["service.version"] = version }
        attributes["telemetry.sdk.name"] = "ecl-otlp"
        attributes["telemetry.sdk.language"] = "swift"
        attributes["telemetry.sdk.version"] = Self.sdkVersion
        let ordered = ["service.name", "service.version", "telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version"]
        var list = ordered.compactMap { key in attributes[key].map { TelemetryAttribute(key, .string($0)) } }
        for key in attributes.keys.sorted() where !ordered.contains(key) { list.append(TelemetryAttribute(key, .string(attributes[key]!))) }
        self.init(attributes: list, scopeName: scopeName)
    }

    /// Parses `key1=value1,key2=value2` (values percent-decoded); nil when any pair is malformed.
    static func parseResourceAttributes(_ text: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingSpaces()
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else { return nil }
            let key = String(trimmed[..<equals]).trimmingSpaces()
            let rawValue = String(trimmed[trimmed.index(after: equals)...]).trimmingSpaces()
            guard !key.isEmpty, let value = rawValue.removingPercentEncodingStrict() else { return nil }
            pairs.append((key, value))
        }
        return pairs
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }

    /// Percent-decoding that fails on a malformed escape or bytes that are not UTF-8.
    func removingPercentEncodingStrict() -> String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
