import ServiceContextModule
import Synchronization
import Tracing

/// A span of ``OTLPTracer``: records its name, attributes, events, links and status, and hands a
/// `SpanData` to its processor once, when it ends.
public final class OTLPSpan: Tracing.Span, Sendable {
    private struct State {
        var name: String
        var attributes = SpanAttributes()
        var events: [SpanEventData] = []
        var links: [SpanLinkData] = []
        var status: SpanStatus?
        var ended = false
        var droppedEvents = 0
        var droppedLinks = 0
    }

    /// The span's ids.
    public let spanContext: SpanContextData
    private let kind: OTLPSpanKind
    private let startNanos: UInt64
    private let baseContext: ServiceContext
    private let state: Mutex<State>
    private let processor: any SpanProcessor
    private let limits: SpanLimits
    private let children = Atomic<UInt32>(0)
    /// A span of a disabled tracer: it records nothing and its context is its parent's.
    let passesThrough: Bool
    /// A pass-through span with no parent: it has no context worth sending.
    let injectsNothing: Bool

    init(
        name: String, kind: OTLPSpanKind, spanContext: SpanContextData, startNanos: UInt64, baseContext: ServiceContext,
        processor: any SpanProcessor, limits: SpanLimits = SpanLimits(), passesThrough: Bool = false, injectsNothing: Bool = false,
        recordsUnsampled: Bool = false
    ) {
        self.records = !passesThrough && (spanContext.traceFlags & 1 == 1 || recordsUnsampled)
        self.limits = limits
        self.passesThrough = passesThrough
        self.injectsNothing = injectsNothing
        self.spanContext = spanContext
        self.kind = kind
        self.startNanos = startNanos
        self.baseContext = baseContext
        self.processor = processor
        self.state = Mutex(State(name: name))
    }

    /// The context of the span's children: its parent's, plus this span.
    public var context: ServiceContext {
        var context = baseContext
        context.otlpSpan = self
        return context
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { if records { state.withLock { $0.name = newValue } } }
    }

    /// The span's attributes. Each `span.attributes[key] = value` copies the whole set out and back (the
    /// tracing API's get and set); `span.updateAttributes { … }` sets several at the cost of one.
    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { if records { state.withLock { $0.attributes = newValue } } }
    }

    /// Whether the sampler kept this span's trace: only then is it recorded and handed to the processor.
    public var isSampled: Bool { !passesThrough && spanContext.traceFlags & 1 == 1 }

    /// Whether the span records (sampled, or recorded for a ``SampledTraceGate`` that may keep its trace).
    let records: Bool

    public var isRecording: Bool { records && state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) {
        guard records else { return }
        state.withLock { state in
            // An OK status is final: later calls do not change it (OTel API specification).
            if state.status?.code == .ok { return }
            state.status = status
        }
    }

    public func addEvent(_ event: SpanEvent) {
        guard records else { return }
        let attributes = limits.apply(Self.convert(event.attributes), count: limits.attributesPerEvent)
        append(SpanEventData(
            name: event.name, timeUnixNano: event.nanosecondsSinceEpoch, attributes: attributes.kept, droppedAttributesCount: attributes.dropped))
    }

    /// Keeps an event within the event limit; past it, counts it.
    private func append(_ event: SpanEventData) {
        state.withLock { state in
            guard !state.ended else { return }
            if state.events.count < limits.eventCount { state.events.append(event) } else { state.droppedEvents += 1 }
        }
    }

    /// Records `error` as an `exception` event with `exception.type` and `exception.message`.
    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        guard records else { return }
        var all: [TelemetryAttribute] = [
            TelemetryAttribute("exception.type", .string(String(reflecting: type(of: error)))),
            TelemetryAttribute("exception.message", .string("\(error)")),
        ]
        all += Self.convert(attributes)
        let limited = limits.apply(all, count: limits.attributesPerEvent)
        append(SpanEventData(
            name: "exception", timeUnixNano: instant().nanosecondsSinceEpoch, attributes: limited.kept, droppedAttributesCount: limited.dropped))
    }

    public func addLink(_ link: SpanLink) {
        guard records, let target = link.context.otlpSpan?.spanContext ?? link.context.otlpRemoteParent else { return }
        let attributes = limits.apply(Self.convert(link.attributes), count: limits.attributesPerLink)
        let data = SpanLinkData(
            traceID: target.traceID, spanID: target.spanID, attributes: attributes.kept, traceState: target.traceState,
            droppedAttributesCount: attributes.dropped)
        state.withLock { state in
            guard !state.ended else { return }
            if state.links.count < limits.linkCount { state.links.append(data) } else { state.droppedLinks += 1 }
        }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard records else { return }
        let endNanos = instant().nanosecondsSinceEpoch
        let data: SpanData? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            let code: OTLPStatusCode = switch state.status?.code {
                case .ok?: .ok
                case .error?: .error
                case nil: .unset
            }
            let attributes = limits.attributes.apply(Self.convert(state.attributes))
            var data = SpanData(
                traceID: spanContext.traceID, spanID: spanContext.spanID, parentSpanID: spanContext.parentSpanID,
                flags: spanContext.traceFlags, name: state.name, kind: kind, startTimeUnixNano: startNanos,
                endTimeUnixNano: max(endNanos, startNanos), attributes: attributes.kept, events: state.events,
                links: state.links, statusCode: code, statusMessage: code == .error ? state.status?.message : nil,
                traceState: spanContext.traceState)
            data.droppedAttributesCount = attributes.dropped
            data.droppedEventsCount = state.droppedEvents
            data.droppedLinksCount = state.droppedLinks
            return data
        }
        if let data { processor.onEnd(data) }
    }

    /// The sequence number of the next child started under this span.
    func nextChildSequence() -> UInt32 { children.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// swift-distributed-tracing attributes as OTLP values, sorted by key for stable output (the attribute
    /// limit keeps the first by key: the tracing API's attributes carry no order of setting).
    static func convert(_ attributes: SpanAttributes) -> [TelemetryAttribute] {
        var result: [TelemetryAttribute] = []
        result.reserveCapacity(attributes.count)
        attributes.forEach { key, value in
            if let converted = convert(value) { result.append(TelemetryAttribute(key, converted)) }
        }
        result.sort { $0.key < $1.key }
        return result
    }

    static func convert(_ value: SpanAttribute) -> TelemetryValue? {
        switch value {
        case .int32(let number): .int(Int64(number))
        case .int64(let number): .int(number)
        case .double(let number): .double(number)
        case .bool(let flag): .bool(flag)
        case .string(let text): .string(text)
        case .int32Array(let numbers): .array(numbers.map { .int(Int64($0)) })
        case .int64Array(let numbers): .array(numbers.map { .int($0) })
        case .doubleArray(let numbers): .array(numbers.map { .double($0) })
        case .boolArray(let flags): .array(flags.map { .bool($0) })
        case .stringArray(let texts): .array(texts.map { .string($0) })
        case .stringConvertible(let convertible): .string(convertible.description)
        case .stringConvertibleArray(let convertibles): .array(convertibles.map { .string($0.description) })
        default: nil
        }
    }
}

/// The span a context belongs to.
enum OTLPSpanKey: ServiceContextKey {
    typealias Value = OTLPSpan
    static var nameOverride: String? { "otlp.span" }
}

/// A parent span from another process (a `traceparent` header).
enum OTLPRemoteParentKey: ServiceContextKey {
    typealias Value = SpanContextData
    static var nameOverride: String? { "otlp.remote_parent" }
}

extension ServiceContext {
    /// The ``OTLPSpan`` this context belongs to, if any.
    public internal(set) var otlpSpan: OTLPSpan? {
        get { self[OTLPSpanKey.self] }
        set { self[OTLPSpanKey.self] = newValue }
    }

    /// A parent extracted from a `traceparent` header, if any.
    public internal(set) var otlpRemoteParent: SpanContextData? {
        get { self[OTLPRemoteParentKey.self] }
        set { self[OTLPRemoteParentKey.self] = newValue }
    }

    /// The ids of the span this context belongs to: local, else extracted.
    public var otlpSpanContext: SpanContextData? { otlpSpan?.spanContext ?? otlpRemoteParent }
}
