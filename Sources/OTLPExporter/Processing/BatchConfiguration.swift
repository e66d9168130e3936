/// The batch processor's limits, per the OpenTelemetry SDK specification.
public struct BatchConfiguration: Sendable, Equatable {
    /// The most items held; past it, what does not fit goes to the spool. Default 2048.
    /// Environment: OTEL_BSP_MAX_QUEUE_SIZE (spans), OTEL_BLRP_MAX_QUEUE_SIZE (logs).
    public var maxQueueSize: Int
    /// The most items in one export. Default 512.
    /// Environment: OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE.
    public var maxExportBatchSize: Int
    /// The longest an item waits before an export, in seconds. Default 5 for spans, 1 for logs.
    /// Environment (milliseconds): OTEL_BSP_SCHEDULE_DELAY, OTEL_BLRP_SCHEDULE_DELAY.
    public var scheduledDelaySeconds: Double
    /// The longest one export may take, retries included, in seconds. Default 30.
    /// Environment (milliseconds): OTEL_BSP_EXPORT_TIMEOUT, OTEL_BLRP_EXPORT_TIMEOUT.
    public var exportTimeoutSeconds: Double

    /// Creates a configuration; the batch size is capped at the queue size.
    public init(maxQueueSize: Int = 2048, maxExportBatchSize: Int = 512, scheduledDelaySeconds: Double = 5, exportTimeoutSeconds: Double = 30) {
        self.maxQueueSize = max(1, maxQueueSize)
        self.maxExportBatchSize = min(max(1, maxExportBatchSize), self.maxQueueSize)
        self.scheduledDelaySeconds = max(0, scheduledDelaySeconds)
        self.exportTimeoutSeconds = max(0.001, exportTimeoutSeconds)
    }

    /// The span defaults with OTEL_BSP_* applied.
    public static func spans(environment: [String: String]) throws(OTLPConfigError) -> BatchConfiguration {
        try fromEnvironment(environment, prefix: "OTEL_BSP_", defaults: BatchConfiguration(scheduledDelaySeconds: 5))
    }

    /// The log defaults with OTEL_BLRP_* applied.
    public static func logs(environment: [String: String]) throws(OTLPConfigError) -> BatchConfiguration {
        try fromEnvironment(environment, prefix: "OTEL_BLRP_", defaults: BatchConfiguration(scheduledDelaySeconds: 1))
    }

    static func fromEnvironment(_ environment: [String: String], prefix: String, defaults: BatchConfiguration) throws(OTLPConfigError) -> BatchConfiguration {
        func integer(_ name: String) throws(OTLPConfigError) -> Int? {
            guard let text = environment[prefix + name], !text.isEmpty else { return nil }
            guard let value = Int(text.trimmingSpaces()), value > 0 else {
                throw OTLPConfigError(option: prefix + name, value: text, expected: "a whole number above 0")
            }
            return value
        }
        return BatchConfiguration(
            maxQueueSize: try integer("MAX_QUEUE_SIZE") ?? defaults.maxQueueSize,
            maxExportBatchSize: try integer("MAX_EXPORT_BATCH_SIZE") ?? defaults.maxExportBatchSize,
            scheduledDelaySeconds: try integer("SCHEDULE_DELAY").map { Double($0) / 1000 } ?? defaults.scheduledDelaySeconds,
            exportTimeoutSeconds: try integer("EXPORT_TIMEOUT").map { Double($0) / 1000 } ?? defaults.exportTimeoutSeconds)
    }
}

/// An OTLP setting that cannot be used: one line naming the option, the value and what is accepted.
public struct OTLPConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line to show.
    public let message: String

    /// "OPTION: 'VALUE' is not accepted; expected WHAT".
    public init(option: String, value: String, expected: String) {
        message = "\(option): '\(value)' is not accepted; expected \(expected)"
    }

    /// A free-form message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
