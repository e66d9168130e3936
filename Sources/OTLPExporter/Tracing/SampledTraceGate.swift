import LogLineCore
import Synchronization

/// Log sampling by the trace's sampling decision, and, beyond the OpenTelemetry specification, keeping a
/// sampled-out trace after all when it fails.
///
/// As a `LogLineGate`: a line logged in a trace the sampler dropped goes no further when it is below
/// warning (warnings and errors always go on); with `keepFailed`, it is held instead. As a
/// ``SpanProcessor`` in front of `downstream`: sampled spans pass at once; with `keepFailed` (the tracer
/// then records sampled-out spans too, ``OTLPTracer/recordsUnsampled``), a sampled-out trace's spans are
/// held until its last open span ends. If that span (the trace's root: in ECL, the workflow) ended with an
/// error, everything held is handed on, spans to `downstream` and lines to the outputs they were logged to,
/// marked sampled; otherwise it is dropped. Held items are bounded (``maxHeldItems``); past the bound a
/// trace's items are dropped and counted (``overflowed``). What a process holds when it exits is not written.
@_spi(Pipeline) public final class SampledTraceGate: SpanProcessor, LogLineGate {
    /// Where spans go on.
    public let downstream: any SpanProcessor
    /// Whether a sampled-out trace is held until it ends, and kept if it failed.
    public let keepFailed: Bool
    /// The most spans and lines held at once, across traces.
    public let maxHeldItems: Int

    private struct Held {
        var open = 0
        var starts: [SpanContextData] = []
        var spans: [SpanData] = []
        var lines: [(LogLine, [any LogLineOutput])] = []
        /// The spans started in this trace in this process: a span whose parent is not among them is a local root.
        var started: Set<SpanID> = []
        /// A local root ended with an error: the trace failed.
        var failed = false
        /// Items of this trace past the bound, not held.
        var dropped = 0
        var count: Int { starts.count + spans.count + lines.count }
    }

    private struct State {
        var traces: [TraceID: Held] = [:]
        var heldItems = 0
        var overflowed = 0
        var kept = 0
        var lost = 0
    }

    private let state = Mutex(State())

    /// Creates a gate in front of `downstream`.
    public init(keepFailed: Bool, downstream: any SpanProcessor, maxHeldItems: Int = 100_000) {
        self.keepFailed = keepFailed
        self.downstream = downstream
        self.maxHeldItems = max(0, maxHeldItems)
    }

    /// Spans and lines of sampled-out traces not held because the bound was reached.
    public var overflowed: Int { state.withLock { $0.overflowed } }
    /// Of those, the ones of traces that failed after all: they should have been written and were not.
    public var lost: Int { state.withLock { $0.lost } }
    /// Sampled-out traces kept because they failed.
    public var keptTraces: Int { state.withLock { $0.kept } }

    public func admit(_ line: LogLine, outputs: [any LogLineOutput]) -> Bool {
        guard line.level < .warning, let trace = line.trace, trace.flags & 1 == 0 else { return true }
        guard keepFailed else { return false }
        guard let key = TraceID(high: trace.traceIDHigh, low: trace.traceIDLow) else { return false }
        state.withLock { state in
            // Only while the trace is open; a line after its end goes with the decision already made (dropped).
            guard state.traces[key] != nil else { return }
            hold(key, in: &state) { $0.lines.append((line, outputs)) }
        }
        return false
    }

    /// Holds one more item of the trace `key` (in place: the held arrays are not copied), or counts it
    /// dropped when the bound is reached.
    private func hold(_ key: TraceID, in state: inout State, _ add: (inout Held) -> Void) {
        guard state.heldItems < maxHeldItems else {
            state.overflowed += 1
            state.traces[key]!.dropped += 1
            return
        }
        add(&state.traces[key]!)
        state.heldItems += 1
    }

    public func onStart(_ context: SpanContextData) {
        guard context.traceFlags & 1 == 0 else { return downstream.onStart(context) }
        guard keepFailed else { return }
        state.withLock { state in
            let key = context.traceID
            state.traces[key, default: Held()].open += 1
            state.traces[key]!.started.insert(context.spanID)
            hold(key, in: &state) { $0.starts.append(context) }
        }
    }

    public func onEnd(_ span: SpanData) {
        guard span.flags & 1 == 0 else { return downstream.onEnd(span) }
        guard keepFailed else { return }
        let key = span.traceID
        let finished: Held? = state.withLock { state in
            guard state.traces[key] != nil else { return nil }
            hold(key, in: &state) { $0.spans.append(span) }
            // The trace's outcome is its local root's (a span whose parent did not start here): not the last
            // span to end, which may be a detached child.
            let isLocalRoot = span.parentSpanID.map { !state.traces[key]!.started.contains($0) } ?? true
            if isLocalRoot, span.statusCode == .error { state.traces[key]!.failed = true }
            state.traces[key]!.open -= 1
            guard state.traces[key]!.open <= 0, let held = state.traces.removeValue(forKey: key) else { return nil }
            state.heldItems -= held.count
            if held.failed {
                state.kept += 1
                state.lost += held.dropped
            }
            return held
        }
        guard let finished, finished.failed else { return }
        // Handed on in the order they happened: starts (only of spans whose end is held too), ends, lines.
        // Runs on the thread that ended the trace's last span, once per kept trace.
        let ended = Set(finished.spans.map(\.spanID))
        for var context in finished.starts where ended.contains(context.spanID) {
            context.traceFlags |= 1
            downstream.onStart(context)
        }
        for var held in finished.spans {
            held.flags |= 1
            downstream.onEnd(held)
        }
        for (line, outputs) in finished.lines {
            var kept = line
            kept.trace?.flags |= 1
            for output in outputs { output.write(kept) }
        }
    }

    public func forceFlush(timeoutSeconds: Double) { downstream.forceFlush(timeoutSeconds: timeoutSeconds) }
}
