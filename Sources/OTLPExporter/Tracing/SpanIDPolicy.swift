import ServiceContextModule

/// What a ``SpanIDPolicy`` sees when a span starts.
@_spi(Pipeline) public struct SpanIDRequest: Sendable {
    /// The span's name.
    public let operationName: String
    /// The context it starts in (its parent's, plus whatever the caller set).
    public let context: ServiceContext
    /// The parent span, if any (local or extracted from a `traceparent`).
    public let parent: SpanContextData?
    /// How many children the local parent started before this one (0 for the first), or 0 without one.
    public let childSequence: UInt32

    /// Creates a request (the tracer makes them; tests and other policies may too).
    public init(operationName: String, context: ServiceContext, parent: SpanContextData?, childSequence: UInt32) {
        self.operationName = operationName
        self.context = context
        self.parent = parent
        self.childSequence = childSequence
    }
}

/// Chooses trace and span ids. The tracer falls back to the parent's trace and random ids when it returns nil.
/// Policies must never return a zero id (the id types cannot hold one).
@_spi(Pipeline) public protocol SpanIDPolicy: Sendable {
    /// The ids for a new span, or nil for the default.
    func ids(for request: SpanIDRequest) -> (traceID: TraceID, spanID: SpanID)?
    /// Whether a new trace started by `request` is left to the sampler; false keeps it whatever the sampler
    /// says (ECL samples workflows, never the work outside them). Default true.
    func isSampled(_ request: SpanIDRequest) -> Bool
}

@_spi(Pipeline) extension SpanIDPolicy {
    public func isSampled(_ request: SpanIDRequest) -> Bool { true }
}
