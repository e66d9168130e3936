/// A span's kind, numbered as OTLP's `Span.SpanKind`.
@_spi(Pipeline) public enum OTLPSpanKind: Int, Sendable {
    case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5
}

/// A status code, numbered as OTLP's `Status.StatusCode`.
@_spi(Pipeline) public enum OTLPStatusCode: Int, Sendable {
    case unset = 0, ok = 1, error = 2
}

/// An event within a span.
@_spi(Pipeline) public struct SpanEventData: Sendable, Equatable {
    /// Its name, such as `exception`.
    public var name: String
    /// When it happened, in nanoseconds since the epoch.
    public var timeUnixNano: UInt64
    /// Its attributes.
    public var attributes: [TelemetryAttribute]
    /// Attributes past the limit, not kept.
    public var droppedAttributesCount: Int

    /// Creates an event.
    public init(name: String, timeUnixNano: UInt64, attributes: [TelemetryAttribute] = [], droppedAttributesCount: Int = 0) {
        self.name = name
        self.timeUnixNano = timeUnixNano
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// A link to another span.
@_spi(Pipeline) public struct SpanLinkData: Sendable, Equatable {
    /// The linked span's trace.
    public var traceID: TraceID
    /// The linked span.
    public var spanID: SpanID
    /// The link's attributes.
    public var attributes: [TelemetryAttribute]
    /// The linked span's W3C `tracestate`, if any.
    public var traceState: String?
    /// Attributes past the limit, not kept.
    public var droppedAttributesCount: Int

    /// Creates a link.
    public init(
        traceID: TraceID, spanID: SpanID, attributes: [TelemetryAttribute] = [], traceState: String? = nil, droppedAttributesCount: Int = 0
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.attributes = attributes
        self.traceState = traceState
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// A finished span, ready to encode.
@_spi(Pipeline) public struct SpanData: Sendable, Equatable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID?
    /// The W3C trace flags.
    public var flags: UInt8
    public var name: String
    public var kind: OTLPSpanKind
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var attributes: [TelemetryAttribute]
    public var events: [SpanEventData]
    public var links: [SpanLinkData]
    public var statusCode: OTLPStatusCode
    public var statusMessage: String?
    /// The W3C `tracestate` the span carries (its parent's), if any.
    public var traceState: String?
    /// Attributes, events and links past the span's limits (``SpanLimits``), not kept.
    public var droppedAttributesCount = 0
    public var droppedEventsCount = 0
    public var droppedLinksCount = 0

    /// Creates a span record.
    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID? = nil, flags: UInt8 = 1, name: String,
        kind: OTLPSpanKind = .internal, startTimeUnixNano: UInt64, endTimeUnixNano: UInt64,
        attributes: [TelemetryAttribute] = [], events: [SpanEventData] = [], links: [SpanLinkData] = [],
        statusCode: OTLPStatusCode = .unset, statusMessage: String? = nil, traceState: String? = nil
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.flags = flags
        self.name = name
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.endTimeUnixNano = endTimeUnixNano
        self.attributes = attributes
        self.events = events
        self.links = links
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.traceState = traceState
    }
}
