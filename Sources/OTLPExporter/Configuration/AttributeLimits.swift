/// How many attributes a record keeps and how long their text may be (the OpenTelemetry SDK's attribute
/// limits). What is past the count is dropped and counted (`droppedAttributesCount`); a longer string,
/// alone or in an array, is cut to `valueLength` characters (Unicode scalars, so the limit bounds the size).
public struct AttributeLimits: Sendable, Equatable {
    /// The most attributes kept. Default 128.
    public var count: Int
    /// The most characters of a string value; nil for no limit (the default).
    public var valueLength: Int?

    /// Creates limits.
    public init(count: Int = 128, valueLength: Int? = nil) {
        self.count = max(0, count)
        self.valueLength = valueLength.map { max(0, $0) }
    }

    /// The attributes kept, in order, with their strings cut, and how many were dropped.
    func apply(_ attributes: [TelemetryAttribute]) -> (kept: [TelemetryAttribute], dropped: Int) {
        // Clamped here too: the properties can be set to anything after `init`.
        let count = max(0, count)
        guard attributes.count > count || valueLength != nil else { return (attributes, 0) }
        var kept = Array(attributes.prefix(count))
        if let valueLength {
            for index in kept.indices { kept[index].value = kept[index].value.truncated(to: max(0, valueLength)) }
        }
        return (kept, attributes.count - kept.count)
    }
}

/// A span's limits (the OpenTelemetry SDK's span limits): its attributes, events, links, and the
/// attributes of each event and link. Past a count, the rest is dropped and counted in the span's
/// `droppedAttributesCount`, `droppedEventsCount`, `droppedLinksCount` (and each event's and link's
/// `droppedAttributesCount`).
public struct SpanLimits: Sendable, Equatable {
    /// The span's attributes. Default 128, no length limit. Environment: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`,
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` (else `OTEL_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`).
    public var attributes = AttributeLimits()
    /// The most events. Default 128. Environment: `OTEL_SPAN_EVENT_COUNT_LIMIT`.
    public var eventCount = 128
    /// The most links. Default 128. Environment: `OTEL_SPAN_LINK_COUNT_LIMIT`.
    public var linkCount = 128
    /// The most attributes of an event. Default 128. Environment: `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`.
    public var attributesPerEvent = 128
    /// The most attributes of a link. Default 128. Environment: `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`.
    public var attributesPerLink = 128

    /// The defaults.
    public init() {}

    /// An event's or link's attributes, limited: the span's length limit with their own count.
    func apply(_ attributes: [TelemetryAttribute], count: Int) -> (kept: [TelemetryAttribute], dropped: Int) {
        AttributeLimits(count: count, valueLength: self.attributes.valueLength).apply(attributes)
    }
}

extension TelemetryValue {
    /// The value with its strings cut to `length` characters.
    func truncated(to length: Int) -> TelemetryValue {
        switch self {
        case .string(let text) where text.unicodeScalars.count > length: .string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(length))))
        case .array(let values): .array(values.map { $0.truncated(to: length) })
        default: self
        }
    }
}
