/// An attribute value as OTLP carries it (`AnyValue`).
@_spi(Pipeline) public enum TelemetryValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array([TelemetryValue])
}

/// One key and its value (`KeyValue`).
@_spi(Pipeline) public struct TelemetryAttribute: Sendable, Equatable {
    /// The key, such as `service.name`.
    public var key: String
    /// The value.
    public var value: TelemetryValue

    /// Creates an attribute.
    public init(_ key: String, _ value: TelemetryValue) {
        self.key = key
        self.value = value
    }
}
