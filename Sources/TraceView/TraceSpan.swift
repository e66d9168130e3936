/// One span as the view needs it: where it sits in the tree, when it ran, how it ended, what it carried.
public struct TraceSpan: Sendable, Equatable {
    /// The trace's id, 32 lowercase hex digits.
    public var traceId: String
    /// The span's id, 16 lowercase hex digits.
    public var spanId: String
    /// The parent's id, or nil for a root.
    public var parentSpanId: String?
    /// The span's name, such as `step generate`.
    public var name: String
    /// Start and end, in nanoseconds since the Unix epoch.
    public var startNanos: UInt64
    /// When it ended (never before its start: an end given before it is taken as the start).
    public var endNanos: UInt64
    /// Whether the producer gave an end before the start (the span is drawn as taking no time).
    public var endedBeforeStart: Bool
    /// How it ended.
    public var status: Status
    /// The status message (for an error, what went wrong), or nil.
    public var statusMessage: String?
    /// The attributes in the order they came.
    public var attributes: [Attribute]
    /// The span's events in the order they came.
    public var events: [Event]

    /// The OTLP status codes.
    public enum Status: String, Sendable, Equatable, Codable {
        case unset, ok, error
    }

    /// A key and its value, shown as text (arrays and maps in their JSON form).
    public struct Attribute: Sendable, Equatable {
        /// The attribute's name.
        public var key: String
        /// Its value.
        public var value: TraceValue
        /// An attribute.
        public init(_ key: String, _ value: TraceValue) { (self.key, self.value) = (key, value) }
    }

    /// Something that happened during the span: an `exception`, a `retry`.
    public struct Event: Sendable, Equatable {
        /// The event's name.
        public var name: String
        /// When it happened, in nanoseconds since the Unix epoch.
        public var timeNanos: UInt64
        /// Its attributes.
        public var attributes: [Attribute]
        /// An event.
        public init(name: String, timeNanos: UInt64, attributes: [Attribute] = []) {
            (self.name, self.timeNanos, self.attributes) = (name, timeNanos, attributes)
        }
    }

    /// Creates a span.
    public init(
        traceId: String, spanId: String, parentSpanId: String?, name: String, startNanos: UInt64, endNanos: UInt64,
        status: Status = .unset, statusMessage: String? = nil, attributes: [Attribute] = [], events: [Event] = []
    ) {
        (self.traceId, self.spanId, self.parentSpanId, self.name) = (traceId, spanId, parentSpanId, name)
        (self.startNanos, self.endNanos, self.status, self.statusMessage) = (startNanos, max(endNanos, startNanos), status, statusMessage)
        endedBeforeStart = startNanos > 0 && endNanos < startNanos
        (self.attributes, self.events) = (attributes, events)
    }

    /// The value of the attribute `key`, if the span has it.
    public func attribute(_ key: String) -> TraceValue? { attributes.first { $0.key == key }?.value }

    /// Whether the producer gave its start time. OTLP requires one; a span with none (0) is drawn without a bar,
    /// kept off the timeline (else the timeline would start in 1970) and left out of duration figures.
    public var hasTime: Bool { startNanos > 0 }

    /// How long it ran, in nanoseconds (0 for a span without a start time).
    public var durationNanos: UInt64 { hasTime ? endNanos - startNanos : 0 }
}

/// An attribute's value.
public enum TraceValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// An array or a map, kept as its JSON text.
    case json(String)

    /// The value as an integer, when it is one (an integer, or a string of digits).
    public var integer: Int64? {
        switch self {
        case .int(let value): value
        case .string(let text): Int64(text)
        case .double(let value) where value == value.rounded() && abs(value) < 9e18: Int64(value)
        default: nil
        }
    }

    /// The value as text.
    public var description: String {
        switch self {
        case .string(let text), .json(let text): text
        case .int(let value): String(value)
        case .double(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): String(value)
        }
    }
}

/// One log record: when, how severe, what it said, which span it came from.
public struct TraceLogRecord: Sendable, Equatable {
    /// When it was logged, in nanoseconds since the Unix epoch.
    public var timeNanos: UInt64
    /// The level's name as logged (`info`, `warning`, `error`…); lowercased.
    public var level: String
    /// The OTLP severity number (1–24; 0 when unknown), used to order levels.
    public var severityNumber: Int
    /// The message.
    public var body: String
    /// The record's fields.
    public var attributes: [TraceSpan.Attribute]
    /// The span it was logged in, if any (16 hex digits).
    public var spanId: String?

    /// Creates a log record.
    public init(timeNanos: UInt64, level: String, severityNumber: Int, body: String, attributes: [TraceSpan.Attribute] = [], spanId: String? = nil) {
        (self.timeNanos, self.level, self.severityNumber, self.body) = (timeNanos, level.lowercased(), severityNumber, body)
        (self.attributes, self.spanId) = (attributes, spanId)
    }
}
