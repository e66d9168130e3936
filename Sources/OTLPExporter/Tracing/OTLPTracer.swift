import Instrumentation
import ServiceContextModule
import Tracing

/// Where ended spans go (a ``BatchProcessor`` in production).
@_spi(Pipeline) public protocol SpanProcessor: Sendable {
    /// Sees a span start; must return at once. The default does nothing.
    func onStart(_ context: SpanContextData)
    /// Takes an ended span; must return at once (no network, no disk).
    func onEnd(_ span: SpanData)
    /// Exports everything pending, waiting at most `timeoutSeconds`.
    func forceFlush(timeoutSeconds: Double)
}

extension SpanProcessor {
    public func onStart(_ context: SpanContextData) {}
}

/// A swift-distributed-tracing `Tracer` whose spans become OTLP `SpanData`: kinds, attributes, events, links,
/// status, `recordError` as an `exception` event, parents through `ServiceContext`, sampling, and W3C
/// `traceparent`/`tracestate` and `baggage` inject/extract. Ids come from a `SpanIDPolicy` when one is
/// given, else the parent's trace and random ids.
public struct OTLPTracer: Tracer {
    public typealias Span = OTLPSpan

    /// Where ended spans go.
    @_spi(Pipeline) public let processor: any SpanProcessor
    /// Chooses ids, when set.
    @_spi(Pipeline) public let idPolicy: (any SpanIDPolicy)?
    /// Decides which traces are recorded; spans it drops never reach the processor.
    public let sampler: OTLPSampler
    /// The propagators `inject` and `extract` use.
    public let propagators: [OTLPConfiguration.Propagator]
    /// How many attributes, events and links a span keeps.
    public let limits: SpanLimits
    /// False for a disabled SDK (`OTEL_SDK_DISABLED`): spans record nothing and carry their parent's context
    /// on unchanged, so propagation goes on as if this process were not there.
    public let isRecording: Bool
    /// Sampled-out spans are recorded too (the sampler's RECORD_ONLY) and handed to the processor with their
    /// `sampled` flag clear: for a `SampledTraceGate` that keeps a failed trace after all. Default false.
    public let recordsUnsampled: Bool

    /// Creates a tracer (``OTLPObservability`` makes one from a configuration).
    @_spi(Pipeline) public init(
        processor: any SpanProcessor, idPolicy: (any SpanIDPolicy)? = nil, sampler: OTLPSampler = .parentBased(root: .alwaysOn),
        propagators: [OTLPConfiguration.Propagator] = [.traceContext, .baggage], limits: SpanLimits = SpanLimits(),
        isRecording: Bool = true, recordsUnsampled: Bool = false
    ) {
        self.limits = limits
        self.isRecording = isRecording
        self.recordsUnsampled = recordsUnsampled
        self.processor = processor
        self.idPolicy = idPolicy
        self.sampler = sampler
        self.propagators = propagators
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> OTLPSpan {
        let base = context()
        let localParent = base.otlpSpan
        let parent = localParent?.spanContext ?? base.otlpRemoteParent
        guard isRecording else {
            // A pass-through span: its parent's ids and flags; without a parent, ids nobody sees.
            let passed = parent.map { SpanContextData(traceID: $0.traceID, spanID: $0.spanID, traceFlags: $0.traceFlags, traceState: $0.traceState) }
            return OTLPSpan(
                name: operationName, kind: Self.kind(kind),
                spanContext: passed ?? SpanContextData(traceID: .random(), spanID: .random(), traceFlags: 0),
                startNanos: 0, baseContext: base, processor: processor, passesThrough: true,
                injectsNothing: parent == nil || localParent?.injectsNothing == true)
        }
        let sequence = localParent?.nextChildSequence() ?? 0
        let request = SpanIDRequest(operationName: operationName, context: base, parent: parent, childSequence: sequence)
        let ids = idPolicy?.ids(for: request) ?? (parent?.traceID ?? .random(), .random())
        let sameTrace = parent?.traceID == ids.0
        // A new trace the id policy keeps out of sampling is recorded whatever the sampler says.
        let sampled = !sameTrace && idPolicy?.isSampled(request) == false
            ? true : sampler.shouldSample(traceID: ids.0, parent: sameTrace ? parent : nil)
        // The parent's other flag bits go on within its trace; bit 0 is this decision.
        let flags = (sameTrace ? parent?.traceFlags ?? 0 : 0) & ~1 | (sampled ? 1 : 0)
        let spanContext = SpanContextData(
            traceID: ids.0, spanID: ids.1, parentSpanID: sameTrace ? parent?.spanID : nil,
            traceFlags: flags, traceState: sameTrace ? parent?.traceState : nil)
        if sampled || recordsUnsampled { processor.onStart(spanContext) }
        return OTLPSpan(
            name: operationName, kind: Self.kind(kind), spanContext: spanContext, startNanos: instant().nanosecondsSinceEpoch,
            baseContext: base, processor: processor, limits: limits, recordsUnsampled: recordsUnsampled)
    }

    public func activeSpan(identifiedBy context: ServiceContext) -> OTLPSpan? { context.otlpSpan }

    public func forceFlush() { processor.forceFlush(timeoutSeconds: 30) }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        if propagators.contains(.baggage), let header = extractor.extract(key: W3CBaggage.headerName, from: carrier) {
            let members = W3CBaggage.parse(header)
            if !members.isEmpty { context.otlpBaggage = members }
        }
        guard propagators.contains(.traceContext), let header = extractor.extract(key: W3CTraceContext.headerName, from: carrier),
            var parent = W3CTraceContext.parse(header)
        else { return }
        // `tracestate` only with a valid `traceparent`, and only when it is itself valid (W3C Trace Context).
        parent.traceState = extractor.extract(key: W3CTraceContext.stateHeaderName, from: carrier).flatMap(W3CTraceContext.validState)
        context.otlpRemoteParent = parent
    }

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        if propagators.contains(.baggage), let header = W3CBaggage.header(context.otlpBaggage) {
            injector.inject(header, forKey: W3CBaggage.headerName, into: &carrier)
        }
        guard propagators.contains(.traceContext), let span = context.otlpSpanContext, context.otlpSpan?.injectsNothing != true else { return }
        injector.inject(
            W3CTraceContext.header(traceID: span.traceID, spanID: span.spanID, flags: span.traceFlags),
            forKey: W3CTraceContext.headerName, into: &carrier)
        if let state = span.traceState, !state.isEmpty { injector.inject(state, forKey: W3CTraceContext.stateHeaderName, into: &carrier) }
    }

    static func kind(_ kind: SpanKind) -> OTLPSpanKind {
        switch kind {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        case .internal: .internal
        }
    }
}
