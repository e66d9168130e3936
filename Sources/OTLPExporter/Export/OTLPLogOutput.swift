import Logging
import LogLineCore
import ServiceContextModule

/// Log lines as OTLP log records: each captured `LogLine` (with the span it was logged in) is queued on a
/// log ``BatchProcessor``, and encoded as a `LogRecord` off the caller's path.
@_spi(Pipeline) public struct OTLPLogOutput: LogLineOutput {
    /// The log pipeline.
    public let processor: BatchProcessor<LogLine>
    /// Whether lines below warning logged in a trace the sampler dropped are left out (they go with the
    /// trace's spans; warnings and errors are always kept).
    public let followsSampling: Bool

    /// Creates an output feeding `processor`.
    public init(processor: BatchProcessor<LogLine>, followsSampling: Bool = true) {
        self.processor = processor
        self.followsSampling = followsSampling
    }

    public func write(_ line: LogLine) {
        if followsSampling, line.level < .warning, let trace = line.trace, trace.flags & 1 == 0 { return }
        processor.add(line)
    }

    /// The span of the current task (this package's tracer's), for `LogLineHandler.traceContext`.
    @Sendable public static func currentTraceContext() -> LogTraceContext? {
        guard let span = ServiceContext.current?.otlpSpanContext else { return nil }
        return LogTraceContext(
            traceIDHigh: span.traceID.high, traceIDLow: span.traceID.low, spanID: span.spanID.value, flags: span.traceFlags)
    }

    /// A swift-log handler that sends every line at `level` or above to `processor`: use it alone, or give
    /// the output to a handler that also writes to the console.
    public static func handler(
        label: String, level: Logger.Level, processor: BatchProcessor<LogLine>, metadataProvider: Logger.MetadataProvider? = nil
    ) -> LogLineHandler {
        LogLineHandler(
            label: label, level: level, outputs: [OTLPLogOutput(processor: processor)], metadataProvider: metadataProvider,
            traceContext: currentTraceContext)
    }
}
